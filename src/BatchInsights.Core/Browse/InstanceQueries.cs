using System.Text.RegularExpressions;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>One instance a CE ran: from EC2 (exact) or inferred from ECS/attempt evidence (<see cref="Estimated"/>).</summary>
/// <param name="EndMs">Termination (or, for estimates, the last attempt's end); null while it runs.</param>
/// <param name="Hours">Launch to end (to now while running).</param>
/// <param name="Basis">"ec2" for harvested instances; how an estimate was made otherwise.</param>
public sealed record CeInstance(
    string InstanceId,
    string? InstanceType,
    string? AvailabilityZone,
    bool Spot,
    long? LaunchTimeMs,
    long? EndMs,
    string State,
    string? StateReason,
    double Hours,
    bool Estimated,
    string Basis,
    int Attempts);

/// <summary>Spot interruptions of one pool (type, AZ): reclaimed attempts and instances EC2 stopped for Spot.</summary>
public sealed record SpotInterruptionGroup(string InstanceType, string AvailabilityZone, int ReclaimedAttempts, int SpotTerminatedInstances, int SpotInstances);

/// <summary>Where a CE's jobs ran: its instances (newest first, at most <see cref="InstanceQueries.MaxListed"/>) and totals over all.</summary>
/// <param name="UnknownPlacements">Attempts whose container instance ECS no longer knew and nothing else identifies.</param>
public sealed record CeInstancesView(
    string ComputeEnvironment,
    IReadOnlyList<CeInstance> Instances,
    int TotalInstances,
    double SpotHours,
    double OnDemandHours,
    double EstimatedHours,
    int UnknownPlacements,
    int UnmappedAttempts,
    IReadOnlyList<SpotInterruptionGroup> Interruptions);

/// <summary>Instances per CE and Spot interruption evidence, from the instance/placement harvest.</summary>
public sealed partial class InstanceQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory, TimeProvider time)
{
    public const int MaxListed = 500;

    [GeneratedRegex(@"Host EC2 \(instance (i-[0-9a-f]+)\) terminated", RegexOptions.CultureInvariant)]
    private static partial Regex ReclaimReason();

    /// <summary>The CE's instances and interruptions (first account/region with that name); null when no such CE was harvested.</summary>
    public async Task<CeInstancesView?> GetForComputeEnvironmentAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ce = await db.ComputeEnvironments.AsNoTracking()
            .Where(c => c.Name == name)
            .OrderBy(c => c.Account).ThenBy(c => c.Region)
            .Select(c => new { c.Account, c.Region, c.EcsClusterArn, c.ResourceType })
            .FirstOrDefaultAsync(cancellationToken);
        if (ce is null)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cluster = ce.EcsClusterArn?[(ce.EcsClusterArn.LastIndexOf('/') + 1)..];
        var ec2 = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.Account == ce.Account && i.Region == ce.Region && i.ComputeEnvironmentName == name)
            .ToListAsync(cancellationToken);
        var mappings = cluster is null
            ? []
            : await db.ContainerInstances.AsNoTracking()
                .Where(c => c.Account == ce.Account && c.Region == ce.Region && c.ClusterName == cluster)
                .ToListAsync(cancellationToken);
        // From the cluster ARN, not the target: a target's Account is a label, the ARN holds the 12-digit account id.
        var prefix = ce.EcsClusterArn?.Replace(":cluster/", ":container-instance/", StringComparison.Ordinal) + "/";
        var attempts = cluster is null
            ? []
            : await db.JobAttempts.AsNoTracking()
                .Where(a => a.Account == ce.Account && a.Region == ce.Region && a.ContainerInstanceArn != null && a.ContainerInstanceArn.StartsWith(prefix))
                .Select(a => new { Arn = a.ContainerInstanceArn!, a.StartedAtMs, a.StoppedAtMs, a.StatusReason })
                .ToListAsync(cancellationToken);

        var byArn = mappings.ToDictionary(m => m.ContainerInstanceArn, StringComparer.Ordinal);
        var spotCe = string.Equals(ce.ResourceType, "SPOT", StringComparison.OrdinalIgnoreCase);

        // Each attempt's instance id: ECS's mapping, else the estimate, else unknown.
        var attemptsByInstance = new Dictionary<string, List<(long? Start, long? Stop, string? Reason)>>(StringComparer.Ordinal);
        var estimatedSource = new Dictionary<string, ContainerInstanceRow>(StringComparer.Ordinal);
        int unknown = 0, unmapped = 0;
        foreach (var a in attempts)
        {
            string? id = null;
            if (byArn.TryGetValue(a.Arn, out var m))
            {
                id = m.Status == ContainerInstanceStatus.Mapped ? m.Ec2InstanceId : m.EstimatedInstanceId;
                if (id is not null)
                {
                    estimatedSource.TryAdd(id, m);
                }
                else
                {
                    unknown++;
                }
            }
            else
            {
                unmapped++;
            }

            id ??= ReclaimedId(a.StatusReason);
            if (id is null)
            {
                continue;
            }

            if (!attemptsByInstance.TryGetValue(id, out var list))
            {
                attemptsByInstance[id] = list = [];
            }

            list.Add((a.StartedAtMs, a.StoppedAtMs, a.StatusReason));
        }

        var instances = new List<CeInstance>();
        foreach (var i in ec2)
        {
            var end = i.TerminatedAtMs ?? (i.State == "gone" ? i.LastSeenMs : (long?)null);
            var hours = i.LaunchTimeMs is { } launch ? Math.Max(0, (end ?? now) - launch) / 3_600_000.0 : 0;
            instances.Add(new CeInstance(i.InstanceId, i.InstanceType, i.AvailabilityZone, i.Lifecycle == "spot", i.LaunchTimeMs, end, i.State,
                i.StateReasonCode, hours, false, "ec2", attemptsByInstance.GetValueOrDefault(i.InstanceId)?.Count ?? 0));
        }

        // Instances EC2 never showed us (terminated over an hour before a harvest): rebuilt from their attempts.
        var exact = ec2.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, list) in attemptsByInstance.Where(kv => !exact.Contains(kv.Key)))
        {
            var m = estimatedSource.GetValueOrDefault(id);
            var mapped = m?.Status == ContainerInstanceStatus.Mapped;
            var start = m?.RegisteredAtMs ?? list.Min(x => x.Start);
            var stop = list.Max(x => x.Stop);
            var reclaimed = list.Any(x => ReclaimedId(x.Reason) == id);
            instances.Add(new CeInstance(id,
                mapped ? m!.InstanceType : m?.EstimatedInstanceType,
                mapped ? m!.AvailabilityZone : m?.EstimatedAvailabilityZone,
                spotCe, start, stop, "unknown", reclaimed ? "Server.SpotInstanceTermination" : null,
                start is { } s && stop is { } e ? Math.Max(0, e - s) / 3_600_000.0 : 0,
                true, mapped ? "ecs+attempts" : m?.EstimateBasis ?? "reclaim-reason", list.Count));
        }

        var ordered = instances.OrderByDescending(i => i.LaunchTimeMs ?? 0).ThenBy(i => i.InstanceId, StringComparer.Ordinal).ToList();
        return new CeInstancesView(
            name,
            ordered.Take(MaxListed).ToList(),
            ordered.Count,
            ordered.Where(i => i.Spot && !i.Estimated).Sum(i => i.Hours),
            ordered.Where(i => !i.Spot && !i.Estimated).Sum(i => i.Hours),
            ordered.Where(i => i.Estimated).Sum(i => i.Hours),
            unknown,
            unmapped,
            Interruptions(ordered, attempts.Select(a => a.StatusReason)));
    }

    /// <summary>
    /// Spot interruptions per (type, AZ): attempts killed with "Host EC2 (instance …) terminated" (placed by their
    /// instance) and instances EC2 stopped with Server.SpotInstanceTermination. Pools with neither are left out.
    /// </summary>
    internal static IReadOnlyList<SpotInterruptionGroup> Interruptions(IReadOnlyList<CeInstance> instances, IEnumerable<string?> attemptReasons)
    {
        var byId = instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        var reclaimedAttempts = attemptReasons
            .Select(ReclaimedId)
            .OfType<string>()
            .GroupBy(id => byId.TryGetValue(id, out var i) ? (i.InstanceType ?? "unknown", i.AvailabilityZone ?? "unknown") : ("unknown", "unknown"))
            .ToDictionary(g => g.Key, g => g.Count());
        var pools = instances.Where(i => i.Spot)
            .GroupBy(i => (i.InstanceType ?? "unknown", i.AvailabilityZone ?? "unknown"))
            .ToDictionary(g => g.Key, g => (Terminated: g.Count(i => i.StateReason == "Server.SpotInstanceTermination"), All: g.Count()));
        return pools.Keys.Union(reclaimedAttempts.Keys)
            .Select(k => new SpotInterruptionGroup(k.Item1, k.Item2, reclaimedAttempts.GetValueOrDefault(k),
                pools.GetValueOrDefault(k).Terminated, pools.GetValueOrDefault(k).All))
            .Where(g => g.ReclaimedAttempts > 0 || g.SpotTerminatedInstances > 0)
            .OrderByDescending(g => g.ReclaimedAttempts + g.SpotTerminatedInstances)
            .ThenBy(g => g.InstanceType, StringComparer.Ordinal).ThenBy(g => g.AvailabilityZone, StringComparer.Ordinal)
            .ToList();
    }

    internal static string? ReclaimedId(string? reason) =>
        reason is not null && ReclaimReason().Match(reason) is { Success: true } m ? m.Groups[1].Value : null;
}
