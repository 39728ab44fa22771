using System.Globalization;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Networking;

/// <summary>What the Networking page and GET /api/v1/network show.</summary>
public sealed record NetworkOverview(
    IReadOnlyList<ComputeEnvironmentNetwork> ComputeEnvironments,
    IReadOnlyList<NatGatewaySummary> NatGateways,
    IReadOnlyList<VpcEndpointCoverage> Vpcs);

/// <summary>One EC2 CE's path to ECS. <see cref="NoPath"/>: its instances never register, jobs stay RUNNABLE.</summary>
public sealed record ComputeEnvironmentNetwork(
    string Account,
    string Region,
    string Name,
    string Arn,
    string? VpcId,
    string Path,
    string PathLabel,
    bool NoPath,
    IReadOnlyList<string> Evidence,
    IReadOnlyList<string> MissingEndpoints,
    DateTime HarvestedAt);

/// <summary>
/// A NAT gateway with the data it processed over the last 30 days (BytesInFromSource + BytesInFromDestination: NAT
/// bills processing in both directions) and the month's cost at <see cref="NetworkPrices"/>.
/// </summary>
public sealed record NatGatewaySummary(
    string Account,
    string Region,
    string NatGatewayId,
    string VpcId,
    string? AvailabilityZone,
    string State,
    decimal ProcessedGb30Days,
    int DaysWithData,
    decimal MonthlyUsd,
    IReadOnlyList<string> UsedBy);

/// <summary>Which endpoints a VPC has and which of the NAT-free set (ecs ×3, ecr.api, ecr.dkr, s3, logs) it lacks.</summary>
public sealed record VpcEndpointCoverage(string Account, string Region, string VpcId, IReadOnlyList<string> Present, IReadOnlyList<string> Missing);

public sealed class NetworkQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory, TimeProvider time)
{
    public static string Label(string path) => path switch
    {
        NetworkPathKind.NatSameAz => "NAT gateway in the same AZ",
        NetworkPathKind.NatCrossAz => "NAT gateway in another AZ (cross-AZ charge)",
        NetworkPathKind.NatInstance => "NAT instance",
        NetworkPathKind.Endpoints => "VPC endpoints",
        NetworkPathKind.PublicIp => "Public IP via internet gateway",
        NetworkPathKind.PartialNoPath => "Some subnets have no path to ECS",
        NetworkPathKind.NoPath => "No path to ECS: jobs will stay RUNNABLE",
        _ => "Unknown (not everything could be read)",
    };

    public async Task<NetworkOverview> GetAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ces = await db.ComputeEnvironmentNetworks.AsNoTracking().ToListAsync(cancellationToken);
        var subnets = await db.NetworkSubnets.AsNoTracking().ToListAsync(cancellationToken);
        var nats = await db.NetworkNatGateways.AsNoTracking().ToListAsync(cancellationToken);
        var endpoints = await db.NetworkEndpoints.AsNoTracking().ToListAsync(cancellationToken);
        var since = time.GetUtcNow().AddDays(-30).ToUnixTimeMilliseconds();
        var bytes = await db.NatGatewayDailyBytes.AsNoTracking().Where(x => x.DayMs >= since).ToListAsync(cancellationToken);
        var ceRows = await db.ComputeEnvironments.AsNoTracking().Select(x => new { x.Account, x.Region, x.Name, x.Subnets }).ToListAsync(cancellationToken);

        var ceList = ces
            .OrderBy(c => c.Path == NetworkPathKind.NoPath ? 0 : 1).ThenBy(c => c.ComputeEnvironmentName, StringComparer.Ordinal)
            .Select(c => new ComputeEnvironmentNetwork(
                c.Account, c.Region, c.ComputeEnvironmentName, c.ComputeEnvironmentArn, c.VpcId, c.Path, Label(c.Path), c.Path == NetworkPathKind.NoPath,
                c.Evidence.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                c.MissingEndpoints.Split(',', StringSplitOptions.RemoveEmptyEntries),
                c.HarvestedAt))
            .ToList();

        var natList = nats.OrderBy(n => n.VpcId, StringComparer.Ordinal).ThenBy(n => n.AvailabilityZone, StringComparer.Ordinal).Select(n =>
        {
            var days = bytes.Where(b => b.Account == n.Account && b.Region == n.Region && b.NatGatewayId == n.NatGatewayId).ToList();
            var gb = days.Sum(d => (decimal)d.BytesInFromSource + d.BytesInFromDestination) / NetworkPrices.BytesPerGb;
            var routed = subnets.Where(s => s.Account == n.Account && s.Region == n.Region && s.DefaultRouteTarget == n.NatGatewayId)
                .Select(s => s.SubnetId).ToHashSet(StringComparer.Ordinal);
            var usedBy = ceRows.Where(c => c.Account == n.Account && c.Region == n.Region && c.Subnets.Split(',').Any(routed.Contains))
                .Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
            return new NatGatewaySummary(n.Account, n.Region, n.NatGatewayId, n.VpcId, n.AvailabilityZone, n.State,
                decimal.Round(gb, 1), days.Count, decimal.Round(NetworkPrices.NatMonthlyUsd(gb), 2), usedBy);
        }).ToList();

        var vpcs = ces.Where(c => c.VpcId is not null).Select(c => (c.Account, c.Region, VpcId: c.VpcId!)).Distinct().OrderBy(v => v.VpcId, StringComparer.Ordinal)
            .Select(v =>
            {
                var present = endpoints.Where(e => e.Account == v.Account && e.Region == v.Region && e.VpcId == v.VpcId)
                    .Select(e => NetworkPathAnalyzer.ServiceSuffix(e.ServiceName, v.Region))
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                return new VpcEndpointCoverage(v.Account, v.Region, v.VpcId, present, NetworkPathAnalyzer.NatFreeServices.Where(s => !present.Contains(s)).ToList());
            }).ToList();
        return new NetworkOverview(ceList, natList, vpcs);
    }

    /// <summary>"$1,234.50" in invariant culture.</summary>
    public static string Usd(decimal value) => value.ToString("$#,##0.00", CultureInfo.InvariantCulture);
}
