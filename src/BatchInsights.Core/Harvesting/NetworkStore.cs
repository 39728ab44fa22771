using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Networking;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Harvesting;

/// <summary>Reads a target's EC2 compute environments and writes its network snapshot.</summary>
internal sealed class NetworkStore(IDbContextFactory<BatchInsightsDbContext> dbFactory, AwsTarget target, TimeProvider time)
{
    private readonly string _account = target.Account;
    private readonly string _region = target.Region;

    internal sealed record Ec2ComputeEnvironment(string Arn, string Name, IReadOnlyList<string> Subnets);

    /// <summary>Harvested CEs that launch EC2 instances (EC2/SPOT; Fargate tasks need no ECS agent path).</summary>
    public async Task<List<Ec2ComputeEnvironment>> ReadEc2ComputeEnvironmentsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ComputeEnvironments.AsNoTracking()
            .Where(x => x.Account == _account && x.Region == _region && x.Subnets != "")
            .Select(x => new { x.Arn, x.Name, x.ResourceType, x.Subnets })
            .ToListAsync(cancellationToken);
        return rows
            .Where(r => r.ResourceType is not ("FARGATE" or "FARGATE_SPOT"))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new Ec2ComputeEnvironment(r.Arn, r.Name, r.Subnets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            .ToList();
    }

    /// <summary>
    /// Replaces the rows of the given VPCs (subnets; NAT gateways and endpoints only when they were read) and all CE
    /// verdicts of the target, in one transaction. Returns the rows written.
    /// </summary>
    public async Task<long> ReplaceSnapshotAsync(
        IReadOnlyList<string> vpcIds,
        IReadOnlyList<SubnetRoute> subnets,
        IReadOnlyList<NatGatewaySnapshot>? nats,
        IReadOnlyDictionary<string, (string? Zone, string State)> natZones,
        IReadOnlyList<VpcEndpointSnapshot>? endpoints,
        IReadOnlyDictionary<string, SubnetSnapshot> knownSubnets,
        IReadOnlyList<ComputeEnvironmentNetworkRow> verdicts,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.NetworkSubnets.Where(x => x.Account == _account && x.Region == _region && vpcIds.Contains(x.VpcId)).ExecuteDeleteAsync(cancellationToken);
        db.NetworkSubnets.AddRange(subnets.Select(r => new NetworkSubnetRow
        {
            Account = _account,
            Region = _region,
            SubnetId = r.Subnet.SubnetId,
            VpcId = r.Subnet.VpcId,
            AvailabilityZone = r.Subnet.AvailabilityZone,
            MapPublicIpOnLaunch = r.Subnet.MapPublicIpOnLaunch,
            RouteTableId = r.RouteTableId,
            RouteTableIsMain = r.RouteTableIsMain,
            DefaultRouteKind = r.Kind,
            DefaultRouteTarget = r.Target,
            HarvestedAt = now,
        }));
        long written = subnets.Count;
        if (nats is not null)
        {
            await db.NetworkNatGateways.Where(x => x.Account == _account && x.Region == _region && vpcIds.Contains(x.VpcId)).ExecuteDeleteAsync(cancellationToken);
            db.NetworkNatGateways.AddRange(nats.Select(n => new NetworkNatGatewayRow
            {
                Account = _account,
                Region = _region,
                NatGatewayId = n.NatGatewayId,
                VpcId = n.VpcId,
                SubnetId = n.SubnetId,
                AvailabilityZone = natZones.GetValueOrDefault(n.NatGatewayId).Zone,
                State = n.State,
                HarvestedAt = now,
            }));
            written += nats.Count;
        }

        if (endpoints is not null)
        {
            await db.NetworkEndpoints.Where(x => x.Account == _account && x.Region == _region && vpcIds.Contains(x.VpcId)).ExecuteDeleteAsync(cancellationToken);
            db.NetworkEndpoints.AddRange(endpoints.Select(e => new NetworkEndpointRow
            {
                Account = _account,
                Region = _region,
                VpcEndpointId = e.VpcEndpointId,
                VpcId = e.VpcId,
                ServiceName = e.ServiceName,
                Type = e.Type,
                State = e.State,
                SubnetIds = string.Join(',', e.SubnetIds),
                AvailabilityZones = string.Join(',', e.SubnetIds.Select(id => knownSubnets.GetValueOrDefault(id)?.AvailabilityZone).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
                HarvestedAt = now,
            }));
            written += endpoints.Count;
        }

        await db.ComputeEnvironmentNetworks.Where(x => x.Account == _account && x.Region == _region).ExecuteDeleteAsync(cancellationToken);
        db.ComputeEnvironmentNetworks.AddRange(verdicts);
        written += verdicts.Count;
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return written;
    }

    /// <summary>Inserts or overwrites daily byte sums (today's partial day is corrected by later runs).</summary>
    public async Task<long> UpsertDailyBytesAsync(IReadOnlyDictionary<(string Nat, long Day), long[]> days, CancellationToken cancellationToken)
    {
        if (days.Count == 0) return 0;
        var natIds = days.Keys.Select(k => k.Nat).Distinct(StringComparer.Ordinal).ToList();
        var from = days.Keys.Min(k => k.Day);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = (await db.NatGatewayDailyBytes
                .Where(x => x.Account == _account && x.Region == _region && natIds.Contains(x.NatGatewayId) && x.DayMs >= from)
                .ToListAsync(cancellationToken))
            .ToDictionary(x => (x.NatGatewayId, x.DayMs));
        foreach (var ((nat, day), v) in days)
        {
            if (!existing.TryGetValue((nat, day), out var row))
            {
                row = new NatGatewayDailyBytesRow { Account = _account, Region = _region, NatGatewayId = nat, DayMs = day };
                db.NatGatewayDailyBytes.Add(row);
            }

            row.BytesOutToDestination = v[0];
            row.BytesInFromDestination = v[1];
            row.BytesOutToSource = v[2];
            row.BytesInFromSource = v[3];
        }

        await db.SaveChangesAsync(cancellationToken);
        return days.Count;
    }
}
