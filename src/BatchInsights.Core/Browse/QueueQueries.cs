using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Browse;

/// <summary>Job queues with their job counts and a "stuck" verdict.</summary>
public sealed class QueueQueries(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    TimeProvider timeProvider,
    IOptions<BrowseOptions> options)
{
    public Task<IReadOnlyList<QueueSummary>> ListAsync(CancellationToken cancellationToken = default) =>
        ListAsync(TargetFilter.All, cancellationToken);

    /// <summary>The queues of one account and/or region (null parts = all).</summary>
    public async Task<IReadOnlyList<QueueSummary>> ListAsync(TargetFilter target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var (account, region) = (target.Account, target.Region);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var queues = await db.JobQueues.AsNoTracking()
            .Where(q => (account == null || q.Account == account) && (region == null || q.Region == region))
            .OrderByDescending(q => q.Priority).ThenBy(q => q.Name)
            .ToListAsync(cancellationToken);
        var environments = await db.ComputeEnvironments.AsNoTracking()
            .Select(c => new { c.Account, c.Region, c.Arn, c.Name, c.State, c.Status, c.StatusReason })
            .ToListAsync(cancellationToken);

        // One GROUP BY that the (QueueName, Status, CreatedAtMs, JobId) index covers: no job row is loaded.
        // Queue names are unique per account and region; jobs of same-named queues in two accounts are summed.
        var groups = await db.Jobs.AsNoTracking()
            .Where(j => (account == null || j.Account == account) && (region == null || j.Region == region))
            .GroupBy(j => new { j.QueueName, j.Status })
            .Select(g => new { g.Key.QueueName, g.Key.Status, Count = g.LongCount(), OldestMs = g.Min(j => j.CreatedAtMs) })
            .ToListAsync(cancellationToken);

        var now = timeProvider.GetUtcNow();
        var threshold = options.Value.StuckRunnableAfter;
        var result = new List<QueueSummary>(queues.Count);
        foreach (var q in queues)
        {
            var counts = groups.Where(g => g.QueueName == q.Name)
                .ToDictionary(g => g.Status, g => g.Count, StringComparer.Ordinal);
            // Batch does not report when a job became RUNNABLE; creation time is the closest stored proxy.
            long? oldestRunnable = groups.Where(g => g.QueueName == q.Name && g.Status == BatchJobStatus.Runnable)
                .Select(g => (long?)g.OldestMs).FirstOrDefault();
            TimeSpan? age = oldestRunnable is { } ms ? now - DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

            var ceArns = BrowseFormat.SplitList(q.ComputeEnvironmentOrder);
            var ces = ceArns
                .Select(arn => environments.FirstOrDefault(c => c.Arn == arn && c.Account == q.Account && c.Region == q.Region)
                               ?? environments.FirstOrDefault(c => c.Arn == arn))
                .ToList();
            var ceNames = ceArns.Select((arn, i) => ces[i]?.Name ?? BrowseFormat.NameFromArn(arn)).ToList();

            var reasons = new List<string>();
            var runnable = counts.GetValueOrDefault(BatchJobStatus.Runnable);
            if (age is { } a && a > threshold)
            {
                reasons.Add($"Oldest RUNNABLE job has waited {BrowseFormat.Duration(a)} (threshold {BrowseFormat.Duration(threshold)}).");
            }

            if (string.Equals(q.Status, "INVALID", StringComparison.OrdinalIgnoreCase))
            {
                reasons.Add($"Queue is INVALID{Suffix(q.StatusReason)}.");
            }

            if (string.Equals(q.State, "DISABLED", StringComparison.OrdinalIgnoreCase) && runnable > 0)
            {
                reasons.Add($"Queue is DISABLED with {runnable} RUNNABLE job(s).");
            }

            if (ceArns.Count == 0)
            {
                reasons.Add("Queue has no compute environment.");
            }

            for (var i = 0; i < ceArns.Count; i++)
            {
                var ce = ces[i];
                if (ce is null)
                {
                    continue;
                }

                if (string.Equals(ce.Status, "INVALID", StringComparison.OrdinalIgnoreCase))
                {
                    reasons.Add($"Compute environment {ce.Name} is INVALID{Suffix(ce.StatusReason)}.");
                }
                else if (string.Equals(ce.State, "DISABLED", StringComparison.OrdinalIgnoreCase))
                {
                    reasons.Add($"Compute environment {ce.Name} is DISABLED.");
                }
            }

            result.Add(new QueueSummary(
                q.Account, q.Region, q.Name, q.Arn, q.State, q.Status, q.StatusReason, q.Priority,
                ceNames, counts, oldestRunnable, age, reasons.Count > 0, reasons));
        }

        return result;
    }

    /// <summary>Queue names only (for filters): no job counting.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.JobQueues.AsNoTracking().Select(q => q.Name).Distinct().OrderBy(n => n).ToListAsync(cancellationToken);
    }

    private static string Suffix(string? reason) => string.IsNullOrWhiteSpace(reason) ? "" : $": {reason.TrimEnd('.')}";
}
