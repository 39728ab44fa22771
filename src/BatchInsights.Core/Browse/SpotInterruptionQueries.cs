using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>
/// One Spot interruption seen for an instance type: a job attempt that ended with "Host EC2 (instance …) terminated",
/// placed in a zone by ECS's mapping (exact) or by the labelled estimate of the placement harvest.
/// </summary>
/// <param name="AvailabilityZone">Null when neither ECS nor an estimate placed the attempt.</param>
/// <param name="ZoneEstimated">The zone (and type) come from an estimate, not from ECS.</param>
public sealed record SpotInterruption(
    string Account,
    string Region,
    string JobId,
    int AttemptIndex,
    string InstanceId,
    string? AvailabilityZone,
    bool ZoneEstimated,
    long? StoppedAtMs);

/// <summary>The interruptions of one instance type in a window, newest first, with the total per zone.</summary>
/// <param name="UnplacedTotal">
/// Reclaims in the window (any type) whose instance type nothing tells: ECS had forgotten the container instance and EC2
/// the instance before a placement harvest asked. They cannot be counted for any type, so the page says how many there are.
/// </param>
public sealed record SpotInterruptions(
    string InstanceType,
    IReadOnlyList<SpotInterruption> Recent,
    IReadOnlyDictionary<string, int> PerZone,
    int Total,
    int UnplacedTotal);

/// <summary>Spot interruption evidence per instance type for the Spot prices page (reclaimed attempts joined to their instance).</summary>
public sealed class SpotInterruptionQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory)
{
    public const int MaxListed = 200;

    /// <summary>Reclaimed attempts of <paramref name="instanceType"/> that stopped in [fromMs, toMs].</summary>
    public async Task<SpotInterruptions> ListAsync(string instanceType, long fromMs, long toMs, TargetFilter target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceType);
        ArgumentNullException.ThrowIfNull(target);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var attempts = db.JobAttempts.AsNoTracking()
            .Where(a => a.StatusReason != null && a.StatusReason.StartsWith("Host EC2 (instance ")
                && a.StoppedAtMs >= fromMs && a.StoppedAtMs <= toMs && a.ContainerInstanceArn != null);
        if (target.Account is not null)
        {
            attempts = attempts.Where(a => a.Account == target.Account);
        }

        if (target.Region is not null)
        {
            attempts = attempts.Where(a => a.Region == target.Region);
        }

        // Type and zone: ECS's answer when mapped, else the placement harvest's labelled estimate (left join: unplaced ones count too).
        var rows = await (
            from a in attempts
            join c in db.ContainerInstances.AsNoTracking()
                on new { a.Account, a.Region, Arn = a.ContainerInstanceArn! } equals new { c.Account, c.Region, Arn = c.ContainerInstanceArn } into placed
            from c in placed.DefaultIfEmpty()
            select new
            {
                a.Account,
                a.Region,
                a.JobId,
                a.AttemptIndex,
                a.StoppedAtMs,
                a.StatusReason,
                Mapped = c != null && c.Status == ContainerInstanceStatus.Mapped,
                Type = c == null ? null : c.Status == ContainerInstanceStatus.Mapped ? c.InstanceType : c.EstimatedInstanceType,
                Zone = c == null ? null : c.Status == ContainerInstanceStatus.Mapped ? c.AvailabilityZone : c.EstimatedAvailabilityZone,
            })
            .ToListAsync(cancellationToken);
        var unplaced = rows.Count(r => r.Type is null);
        rows = rows.Where(r => r.Type == instanceType).OrderByDescending(r => r.StoppedAtMs).ToList();

        var list = rows
            .Select(r => new SpotInterruption(r.Account, r.Region, r.JobId, r.AttemptIndex,
                InstanceQueries.ReclaimedId(r.StatusReason) ?? "unknown", r.Zone, !r.Mapped, r.StoppedAtMs))
            .ToList();
        var perZone = list.GroupBy(i => i.AvailabilityZone ?? "unknown", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new SpotInterruptions(instanceType, list.Take(MaxListed).ToList(), perZone, list.Count, unplaced);
    }
}
