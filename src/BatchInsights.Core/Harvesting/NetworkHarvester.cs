using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Networking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>Gives the CloudWatch client of one target.</summary>
public delegate ICloudWatchApi CloudWatchApiFactory(AwsTarget target);

/// <summary>
/// Harvests the network paths of every harvested EC2/Spot compute environment: its subnets (AZ, VPC), the route
/// table each uses and where 0.0.0.0/0 goes, the VPC's endpoints and NAT gateways, and 30 days of each NAT
/// gateway's bytes (CloudWatch AWS/NATGateway, daily sums). A re-run replaces the snapshot of each VPC it saw and
/// the CE verdicts, and upserts the daily bytes (history stays). An API refused with AccessDenied makes the run
/// Partial with the missing permission named; the rest is still stored.
/// </summary>
public sealed class NetworkHarvester(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    Ec2ApiFactory ec2Factory,
    CloudWatchApiFactory cloudWatchFactory,
    IHarvestNotifier notifier,
    TimeProvider time,
    ILogger<NetworkHarvester> logger)
{
    public const string Kind = "network";

    /// <summary>How far back NAT gateway bytes are read each run (CloudWatch keeps daily data for 15 months).</summary>
    public static readonly TimeSpan MetricsWindow = TimeSpan.FromDays(30);

    internal static readonly IReadOnlyList<string> NatMetrics = ["BytesOutToDestination", "BytesInFromDestination", "BytesOutToSource", "BytesInFromSource"];

    private readonly HarvestRunRecorder _runs = new(dbFactory, notifier, time);

    public Task HarvestAllAsync(IEnumerable<AwsTarget> targets, CancellationToken cancellationToken) =>
        HarvestRunRecorder.ForEachTargetAsync("Network harvest", targets, t => HarvestAsync(t, cancellationToken), cancellationToken);

    /// <summary>Harvests one target; returns the finished run (Succeeded or Partial); throws after recording a failure.</summary>
    public async Task<HarvestRunRow> HarvestAsync(AwsTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = await _runs.StartAsync(target, Kind, cancellationToken);
        IEc2Api? ec2 = null;
        ICloudWatchApi? cloudWatch = null;
        var denied = new List<string>();
        long written = 0;
        try
        {
            ec2 = ec2Factory(target);
            cloudWatch = cloudWatchFactory(target);
            written = await HarvestCoreAsync(target, ec2, cloudWatch, denied, cancellationToken);
        }
        catch (Exception ex)
        {
            var error = HarvestRunRecorder.ErrorOf(ex);
            await _runs.FinishAsync(run, HarvestOutcome.Failed, error, Calls(ec2, cloudWatch), Throttled(ec2, cloudWatch), written);
            logger.LogError(ex, "Network harvest {RunId} of {Target} failed: {Error}", run.Id, target, error);
            throw;
        }
        finally
        {
            (ec2 as IDisposable)?.Dispose();
            (cloudWatch as IDisposable)?.Dispose();
        }

        var outcome = denied.Count == 0 ? HarvestOutcome.Succeeded : HarvestOutcome.Partial;
        var message = denied.Count == 0 ? null : HarvestRunRecorder.ErrorOf(new InvalidOperationException(string.Join(" | ", denied)));
        await _runs.FinishAsync(run, outcome, message, Calls(ec2, cloudWatch), Throttled(ec2, cloudWatch), written);
        logger.LogInformation("Network harvest {RunId} of {Target}: {Outcome}, {Written} rows written", run.Id, target, outcome, written);
        return run;
    }

    private static long Calls(IEc2Api? ec2, ICloudWatchApi? cw) => (ec2?.Stats.Calls ?? 0) + (cw?.Stats.Calls ?? 0);

    private static long Throttled(IEc2Api? ec2, ICloudWatchApi? cw) => (ec2?.Stats.Throttled ?? 0) + (cw?.Stats.Throttled ?? 0);

    internal static bool IsAccessDenied(AwsApiException ex) =>
        ex.HttpStatus == 403 || ex.ErrorCode is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation";

    /// <summary>Runs one optional call: AccessDenied is noted (null result), anything else fails the run.</summary>
    private static async Task<T?> OptionalAsync<T>(Func<Task<T>> call, List<string> denied)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (AwsApiException ex) when (IsAccessDenied(ex))
        {
            denied.Add(ex.Message);
            return null;
        }
    }

    private async Task<long> HarvestCoreAsync(AwsTarget target, IEc2Api ec2, ICloudWatchApi cloudWatch, List<string> denied, CancellationToken cancellationToken)
    {
        var store = new NetworkStore(dbFactory, target, time);
        var ces = await store.ReadEc2ComputeEnvironmentsAsync(cancellationToken);
        var subnetIds = ces.SelectMany(c => c.Subnets).Distinct(StringComparer.Ordinal).ToList();
        if (subnetIds.Count == 0)
        {
            logger.LogInformation("Network harvest of {Target}: no EC2 compute environments with subnets yet", target);
            return 0;
        }

        // Without the subnets nothing else can be placed: DescribeSubnets failing fails the run.
        var subnets = await ec2.DescribeSubnetsAsync(subnetIds, cancellationToken);
        var vpcIds = subnets.Select(s => s.VpcId).Distinct(StringComparer.Ordinal).ToList();
        var routeTables = await OptionalAsync(() => ec2.DescribeRouteTablesAsync(vpcIds, cancellationToken), denied);
        var nats = await OptionalAsync(() => ec2.DescribeNatGatewaysAsync(vpcIds, cancellationToken), denied);
        var endpoints = await OptionalAsync(() => ec2.DescribeVpcEndpointsAsync(vpcIds, cancellationToken), denied);

        // NAT gateways and interface endpoints live in subnets the CEs may not use (public subnets): their AZs.
        var known = subnets.ToDictionary(s => s.SubnetId, StringComparer.Ordinal);
        var extra = (nats ?? []).Select(n => n.SubnetId).Concat((endpoints ?? []).SelectMany(e => e.SubnetIds))
            .Where(id => !known.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            foreach (var s in await ec2.DescribeSubnetsAsync(extra, cancellationToken))
            {
                known[s.SubnetId] = s;
            }
        }

        var natZones = (nats ?? []).ToDictionary(n => n.NatGatewayId, n => (known.GetValueOrDefault(n.SubnetId)?.AvailabilityZone, n.State), StringComparer.Ordinal);
        var routes = subnets.Select(s => NetworkPathAnalyzer.RouteOf(s, routeTables)).ToDictionary(r => r.Subnet.SubnetId, StringComparer.Ordinal);
        var verdicts = new List<ComputeEnvironmentNetworkRow>();
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var ce in ces)
        {
            var ceRoutes = ce.Subnets.Where(routes.ContainsKey).Select(id => routes[id]).ToList();
            var vpcId = ceRoutes.Select(r => r.Subnet.VpcId).FirstOrDefault();
            var verdict = NetworkPathAnalyzer.Analyze(ceRoutes, natZones, endpoints?.Where(e => e.VpcId == vpcId).ToList(), target.Region);
            verdicts.Add(new ComputeEnvironmentNetworkRow
            {
                Account = target.Account,
                Region = target.Region,
                ComputeEnvironmentArn = ce.Arn,
                ComputeEnvironmentName = ce.Name,
                VpcId = vpcId,
                Path = verdict.Path,
                Evidence = string.Join('\n', verdict.Evidence),
                MissingEndpoints = string.Join(',', verdict.MissingEndpoints),
                HarvestedAt = now,
            });
        }

        long written = await store.ReplaceSnapshotAsync(vpcIds, routes.Values.ToList(), nats, natZones, endpoints, known, verdicts, cancellationToken);

        if (nats is { Count: > 0 })
        {
            var end = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
            var start = end - MetricsWindow - TimeSpan.FromDays(1);
            var queries = nats.SelectMany((n, i) => NatMetrics.Select((m, j) => new MetricStatQuery(
                $"n{i}m{j}", "AWS/NATGateway", m, [new KeyValuePair<string, string>("NatGatewayId", n.NatGatewayId)], 86_400, "Sum"))).ToList();
            var series = await OptionalAsync(() => cloudWatch.GetMetricDataAsync(queries, start, end, cancellationToken), denied);
            if (series is not null)
            {
                var byId = series.ToDictionary(s => s.Id, StringComparer.Ordinal);
                var days = new Dictionary<(string Nat, long Day), long[]>();
                for (var i = 0; i < nats.Count; i++)
                {
                    for (var j = 0; j < NatMetrics.Count; j++)
                    {
                        if (!byId.TryGetValue($"n{i}m{j}", out var s)) continue;
                        foreach (var p in s.Points)
                        {
                            var key = (nats[i].NatGatewayId, p.Timestamp.ToUnixTimeMilliseconds());
                            if (!days.TryGetValue(key, out var values)) days[key] = values = new long[NatMetrics.Count];
                            values[j] = (long)Math.Round(p.Value);
                        }
                    }
                }

                written += await store.UpsertDailyBytesAsync(days, cancellationToken);
            }
        }

        return written;
    }
}
