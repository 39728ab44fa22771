using System.Globalization;
using BatchInsights.Core.Aws;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>Running totals of one target's harvest.</summary>
internal sealed class HarvestCounters
{
    public long JobsListed { get; set; }
    public long JobsDescribed { get; set; }
    public long JobsWritten { get; set; }
}

/// <summary>
/// Harvests the jobs of one queue incrementally, with as few Batch calls as possible (ListJobs at 1000
/// per page, DescribeJobs at 100 per call, only for jobs new to us or further along than we store).
/// </summary>
internal sealed class QueueJobHarvest(
    IBatchApi api,
    BatchHarvestStore store,
    HarvestCounters counters,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>ListJobs' largest page when filtering by jobStatus.</summary>
    internal const int ListPageSize = 1000;

    /// <summary>Arrays up to this size have their children described (one DescribeJobs chunk) rather than listed.</summary>
    internal const int SmallArrayMaxSize = 100;

    /// <summary>How many described jobs go into one write (one transaction).</summary>
    private const int DescribeBatch = 1000;

    /// <summary>
    /// Finished jobs are listed back to the last completed harvest minus this overlap: ListJobs is
    /// eventually consistent, so a job created just before the last run may not have been listed by it.
    /// </summary>
    internal static readonly TimeSpan WatermarkOverlap = TimeSpan.FromMinutes(10);

    private static readonly string[] FinishedStatuses = [BatchJobStatus.Succeeded, BatchJobStatus.Failed];

    public static string WatermarkScope(string queueName) => "jobs:" + queueName;

    public async Task RunAsync(JobQueueSnapshot queue, CancellationToken cancellationToken)
    {
        // Taken before the first call: anything created after this is listed by the next run.
        var startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var scope = WatermarkScope(queue.Name);
        var watermark = await store.ReadWatermarkAsync(scope, cancellationToken);
        var open = await store.ReadOpenJobIdsAsync(queue.Name, cancellationToken);

        foreach (var status in BatchJobStatus.Active)
        {
            await ListAsync(queue, status, cutoffMs: null, open, cancellationToken);
        }

        // Jobs we store as unfinished that no active listing returned have finished since (or AWS forgot
        // them): describe them directly. This is what lets the finished listings below stop at the
        // watermark even for long-running jobs created long before it.
        if (open.Count > 0)
        {
            await DescribeOpenJobsAsync(queue, open, cancellationToken);
        }

        // First run (no watermark): list everything AWS still has (back-fill).
        long? cutoffMs = watermark is null ? null : watermark.Value - (long)WatermarkOverlap.TotalMilliseconds;
        foreach (var status in FinishedStatuses)
        {
            await ListAsync(queue, status, cutoffMs, open, cancellationToken);
        }

        // Only now: a run stopped anywhere above starts again from the previous watermark.
        await store.WriteWatermarkAsync(scope, startedAtMs, cancellationToken);
    }

    private async Task ListAsync(JobQueueSnapshot queue, string status, long? cutoffMs, HashSet<string> open, CancellationToken cancellationToken)
    {
        string? nextToken = null;
        do
        {
            var page = await api.ListJobsAsync(
                new ListJobsQuery(JobQueue: queue.Arn, JobStatus: status, MaxResults: ListPageSize, NextToken: nextToken),
                cancellationToken);
            counters.JobsListed += page.Jobs.Count;
            foreach (var job in page.Jobs)
            {
                open.Remove(job.JobId);
            }

            await StorePageAsync(queue, page.Jobs, cancellationToken);

            // Pages come newest first: once one reaches before the cutoff, older pages hold only jobs a
            // previous run already saw finished.
            if (cutoffMs is not null && page.Jobs.Count > 0 && page.Jobs.Min(j => j.CreatedAtMs) < cutoffMs)
            {
                break;
            }

            nextToken = page.NextToken;
        }
        while (nextToken is not null);
    }

    private async Task StorePageAsync(JobQueueSnapshot queue, IReadOnlyList<JobSummarySnapshot> listed, CancellationToken cancellationToken)
    {
        if (listed.Count == 0)
        {
            return;
        }

        var stored = await store.ReadJobStatesAsync(listed.Select(j => j.JobId).ToList(), cancellationToken);
        var toDescribe = listed.Where(j => NeedsDescribe(j, stored)).DistinctBy(j => j.JobId).ToList();
        if (toDescribe.Count == 0)
        {
            return;
        }

        var details = await api.DescribeJobsAsync(toDescribe.Select(j => j.JobId).ToList(), cancellationToken);
        counters.JobsDescribed += details.Count;
        var writes = new List<JobWrite>(toDescribe.Count);
        foreach (var job in details)
        {
            writes.Add(JobMapping.FromDetail(api.Target, job, queue.Name));
        }

        var described = details.Select(d => d.JobId).ToHashSet(StringComparer.Ordinal);
        foreach (var job in toDescribe.Where(j => !described.Contains(j.JobId) && !stored.ContainsKey(j.JobId)))
        {
            writes.Add(JobMapping.FromListedOnly(api.Target, job, queue.Name));
        }

        await HarvestChildrenAsync(queue, details, stored, cancellationToken);
        counters.JobsWritten += await store.UpsertJobsAsync(writes, cancellationToken);
    }

    private static bool NeedsDescribe(JobSummarySnapshot listed, Dictionary<string, StoredJobState> stored)
    {
        if (!stored.TryGetValue(listed.JobId, out var known))
        {
            return true;
        }

        // A finished job we described once is final. A lower rank than stored is a stale listing or a
        // retry (RUNNING → RUNNABLE) that would not be stored anyway (status never goes backwards).
        return !known.IsTerminal
            && (known.FromSummary || BatchJobStatus.Rank(listed.Status) > BatchJobStatus.Rank(known.Status));
    }

    private async Task DescribeOpenJobsAsync(JobQueueSnapshot queue, HashSet<string> open, CancellationToken cancellationToken)
    {
        var forgotten = 0;
        foreach (var chunk in open.Order(StringComparer.Ordinal).Chunk(DescribeBatch))
        {
            var stored = await store.ReadJobStatesAsync(chunk, cancellationToken);
            var details = await api.DescribeJobsAsync(chunk, cancellationToken);
            counters.JobsDescribed += details.Count;
            forgotten += chunk.Length - details.Count;
            await HarvestChildrenAsync(queue, details, stored, cancellationToken);
            counters.JobsWritten += await store.UpsertJobsAsync(
                details.Select(d => JobMapping.FromDetail(api.Target, d, queue.Name)).ToList(), cancellationToken);
        }

        // We keep our rows of jobs AWS no longer returns: our history outlives AWS's retention.
        if (forgotten > 0)
        {
            logger.LogInformation("{Count} unfinished jobs of queue {Queue} in {Target} are no longer known to AWS; kept as stored",
                forgotten, queue.Name, api.Target);
        }

        open.Clear();
    }

    /// <summary>
    /// Fetches the children of array parents that are new or further along than stored. Runs before the
    /// parent is written: a run stopped in between describes the parent (and its children) again.
    /// </summary>
    private async Task HarvestChildrenAsync(
        JobQueueSnapshot queue,
        IReadOnlyList<JobSnapshot> details,
        Dictionary<string, StoredJobState> stored,
        CancellationToken cancellationToken)
    {
        var smallArrayChildren = new List<(string ParentId, int Index)>();
        foreach (var parent in details)
        {
            if (parent.ArraySize is not > 0 || parent.ArrayIndex is not null)
            {
                continue;
            }

            if (stored.TryGetValue(parent.JobId, out var known)
                && (known.IsTerminal || BatchJobStatus.Rank(parent.Status) < BatchJobStatus.Rank(known.Status)))
            {
                continue;
            }

            // Most arrays are small: their children, described by id 100 to a call across parents, cost far
            // fewer calls than a ListJobs per child status and parent (the bulk of a back-fill's calls
            // otherwise). Decided by size only, so a parent's children are always fetched the same way
            // (a ListJobs summary never replaces a stored DescribeJobs detail).
            if (parent.ArraySize <= SmallArrayMaxSize)
            {
                smallArrayChildren.AddRange(Enumerable.Range(0, parent.ArraySize.Value).Select(i => (parent.JobId, i)));
                if (smallArrayChildren.Count >= DescribeBatch)
                {
                    await DescribeChildrenAsync(queue, smallArrayChildren, cancellationToken);
                }

                continue;
            }

            // The parent's status summary says which child statuses are worth a call.
            var statuses = BatchJobStatus.All.Where(s => parent.ArrayStatusSummary.GetValueOrDefault(s) > 0).ToList();
            if (statuses.Count == 0)
            {
                statuses = [.. BatchJobStatus.All];
            }

            foreach (var status in statuses)
            {
                string? nextToken = null;
                do
                {
                    var page = await api.ListJobsAsync(
                        new ListJobsQuery(ArrayJobId: parent.JobId, JobStatus: status, MaxResults: ListPageSize, NextToken: nextToken),
                        cancellationToken);
                    counters.JobsListed += page.Jobs.Count;
                    counters.JobsWritten += await store.UpsertJobsAsync(
                        page.Jobs.Select(c => JobMapping.FromChildSummary(api.Target, c, parent, queue.Name)).ToList(), cancellationToken);
                    nextToken = page.NextToken;
                }
                while (nextToken is not null);
            }
        }

        await DescribeChildrenAsync(queue, smallArrayChildren, cancellationToken);
    }

    /// <summary>Describes and stores the array children in <paramref name="children"/>, then empties it.</summary>
    private async Task DescribeChildrenAsync(JobQueueSnapshot queue, List<(string ParentId, int Index)> children, CancellationToken cancellationToken)
    {
        if (children.Count == 0)
        {
            return;
        }

        var asked = children.ToDictionary(c => string.Create(CultureInfo.InvariantCulture, $"{c.ParentId}:{c.Index}"), StringComparer.Ordinal);
        var details = await api.DescribeJobsAsync(asked.Keys, cancellationToken);
        counters.JobsDescribed += details.Count;
        var writes = new List<JobWrite>(details.Count);
        foreach (var detail in details)
        {
            // We asked for these ids as children: keep the link even when the detail omits arrayProperties.index (moto does).
            var write = JobMapping.FromDetail(api.Target, detail, queue.Name);
            if (asked.TryGetValue(detail.JobId, out var child))
            {
                write.Row.ArrayParentId ??= child.ParentId;
                write.Row.ArrayIndex ??= child.Index;
            }

            writes.Add(write);
        }

        counters.JobsWritten += await store.UpsertJobsAsync(writes, cancellationToken);
        children.Clear();
    }
}
