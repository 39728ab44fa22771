using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>Compute environments as last harvested.</summary>
public sealed class ComputeEnvironmentQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory)
{
    public Task<IReadOnlyList<ComputeEnvironmentSummary>> ListAsync(CancellationToken cancellationToken = default) =>
        ListAsync(TargetFilter.All, cancellationToken);

    /// <summary>The compute environments of one account and/or region (null parts = all).</summary>
    public async Task<IReadOnlyList<ComputeEnvironmentSummary>> ListAsync(TargetFilter target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (account, region) = (target.Account, target.Region);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ComputeEnvironments.AsNoTracking()
            .Where(c => (account == null || c.Account == account) && (region == null || c.Region == region))
            .OrderBy(c => c.Name).ToListAsync(cancellationToken);
        var queues = await QueueOrdersAsync(db, cancellationToken);
        return rows.Select(r => ToSummary(r, queues)).ToList();
    }

    /// <summary>The compute environment with this name (first account/region when several share it), or null.</summary>
    public async Task<ComputeEnvironmentSummary?> GetByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ComputeEnvironments.AsNoTracking()
            .Where(c => c.Name == name)
            .OrderBy(c => c.Account).ThenBy(c => c.Region)
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : ToSummary(row, await QueueOrdersAsync(db, cancellationToken));
    }

    private static Task<List<(string Name, string Order)>> QueueOrdersAsync(BatchInsightsDbContext db, CancellationToken ct) =>
        db.JobQueues.AsNoTracking().OrderBy(q => q.Name)
            .Select(q => new ValueTuple<string, string>(q.Name, q.ComputeEnvironmentOrder))
            .ToListAsync(ct);

    private static ComputeEnvironmentSummary ToSummary(ComputeEnvironmentRow r, List<(string Name, string Order)> queues) => new(
        r.Account, r.Region, r.Name, r.Arn, r.Type, r.State, r.Status, r.StatusReason, r.ResourceType,
        Capacity(r.ResourceType),
        BrowseFormat.SplitList(r.InstanceTypes),
        r.MinvCpus, r.DesiredvCpus, r.MaxvCpus, r.BidPercentage, r.AllocationStrategy,
        BrowseFormat.SplitList(r.Subnets),
        queues.Where(q => BrowseFormat.SplitList(q.Order).Contains(r.Arn)).Select(q => q.Name).ToList());

    // computeResources.type: EC2 | SPOT | FARGATE | FARGATE_SPOT (unmanaged CEs have none).
    internal static CapacityKind Capacity(string? resourceType) => resourceType?.ToUpperInvariant() switch
    {
        "EC2" => CapacityKind.OnDemand,
        "SPOT" => CapacityKind.Spot,
        "FARGATE" => CapacityKind.Fargate,
        "FARGATE_SPOT" => CapacityKind.FargateSpot,
        _ => CapacityKind.Unknown,
    };
}
