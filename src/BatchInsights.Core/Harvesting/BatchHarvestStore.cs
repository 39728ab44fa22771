using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Harvesting;

/// <summary>A job row to upsert, with its attempts (null when only a ListJobs summary is known).</summary>
internal sealed record JobWrite(JobRow Row, IReadOnlyList<JobAttemptRow>? Attempts);

/// <summary>What we store about a job, enough to decide whether DescribeJobs is needed.</summary>
internal sealed record StoredJobState(string Status, bool IsTerminal, bool FromSummary);

/// <summary>
/// The harvest's reads and writes for one target. Every write is one SaveChanges (one transaction) on a
/// fresh short-lived context, so memory stays flat however many jobs go through, and every write is an
/// idempotent upsert: replaying a batch changes nothing.
/// </summary>
internal sealed class BatchHarvestStore(IDbContextFactory<BatchInsightsDbContext> dbFactory, AwsTarget target, TimeProvider time)
{
    private readonly string _account = target.Account;
    private readonly string _region = target.Region;

    public async Task UpsertInventoryAsync(
        IReadOnlyList<ComputeEnvironmentSnapshot> computeEnvironments,
        IReadOnlyList<JobQueueSnapshot> queues,
        IReadOnlyList<JobDefinitionSnapshot> jobDefinitions,
        CancellationToken cancellationToken)
    {
        // HarvestedAt on these small tables means "last reported by AWS": rows AWS stopped reporting stay,
        // and keep the time they were last seen.
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var ces = await db.ComputeEnvironments.Where(x => x.Account == _account && x.Region == _region).ToDictionaryAsync(x => x.Arn, cancellationToken);
        foreach (var ce in computeEnvironments.DistinctBy(x => x.Arn))
        {
            var row = new ComputeEnvironmentRow
            {
                Account = _account, Region = _region, Arn = ce.Arn, Name = ce.Name, Type = ce.Type,
                State = ce.State, Status = ce.Status, StatusReason = ce.StatusReason, ResourceType = ce.ResourceType,
                InstanceTypes = string.Join(',', ce.InstanceTypes), MinvCpus = ce.MinvCpus, DesiredvCpus = ce.DesiredvCpus,
                MaxvCpus = ce.MaxvCpus, BidPercentage = ce.BidPercentage, AllocationStrategy = ce.AllocationStrategy,
                Subnets = string.Join(',', ce.Subnets), EcsClusterArn = ce.EcsClusterArn, ServiceRole = ce.ServiceRole,
                RawJson = ce.RawJson, HarvestedAt = now,
            };
            Upsert(db, ces, ce.Arn, row);
        }

        var qs = await db.JobQueues.Where(x => x.Account == _account && x.Region == _region).ToDictionaryAsync(x => x.Arn, cancellationToken);
        foreach (var q in queues.DistinctBy(x => x.Arn))
        {
            var row = new JobQueueRow
            {
                Account = _account, Region = _region, Arn = q.Arn, Name = q.Name, State = q.State, Status = q.Status,
                StatusReason = q.StatusReason, Priority = q.Priority,
                ComputeEnvironmentOrder = string.Join(',', q.ComputeEnvironmentOrder.OrderBy(o => o.Order).Select(o => o.ComputeEnvironmentArn)),
                HarvestedAt = now,
            };
            Upsert(db, qs, q.Arn, row);
        }

        var jds = await db.JobDefinitions.Where(x => x.Account == _account && x.Region == _region).ToDictionaryAsync(x => x.Arn, cancellationToken);
        foreach (var jd in jobDefinitions.DistinctBy(x => x.Arn))
        {
            var row = new JobDefinitionRow
            {
                Account = _account, Region = _region, Arn = jd.Arn, Name = jd.Name, Revision = jd.Revision, Status = jd.Status,
                Type = jd.Type, Vcpus = jd.Vcpus, MemoryMib = jd.MemoryMib, Gpus = jd.Gpus,
                PlatformCapabilities = string.Join(',', jd.PlatformCapabilities), NumNodes = jd.NumNodes, HarvestedAt = now,
            };
            Upsert(db, jds, jd.Arn, row);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static void Upsert<TRow>(BatchInsightsDbContext db, Dictionary<string, TRow> existing, string arn, TRow row)
        where TRow : class
    {
        if (existing.TryGetValue(arn, out var current))
        {
            db.Entry(current).CurrentValues.SetValues(row);
        }
        else
        {
            db.Add(row);
            existing[arn] = row;
        }
    }

    public Task<long?> ReadWatermarkAsync(string scope, CancellationToken cancellationToken) =>
        HarvestWatermarks.ReadAsync(dbFactory, _account, _region, scope, cancellationToken);

    public Task WriteWatermarkAsync(string scope, long valueMs, CancellationToken cancellationToken) =>
        HarvestWatermarks.WriteAsync(dbFactory, _account, _region, scope, valueMs, time.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>Ids of the queue's top-level jobs we store as not yet finished (array children are followed through their parent).</summary>
    public async Task<HashSet<string>> ReadOpenJobIdsAsync(string queueName, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.Jobs.AsNoTracking()
            .Where(x => x.Account == _account && x.Region == _region && x.QueueName == queueName && !x.IsTerminal && x.ArrayParentId == null)
            .Select(x => x.JobId)
            .ToListAsync(cancellationToken);
        return new HashSet<string>(ids, StringComparer.Ordinal);
    }

    public async Task<Dictionary<string, StoredJobState>> ReadJobStatesAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0)
        {
            return new Dictionary<string, StoredJobState>(StringComparer.Ordinal);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = jobIds.ToList();
        return await db.Jobs.AsNoTracking()
            .Where(x => x.Account == _account && x.Region == _region && ids.Contains(x.JobId))
            .Select(x => new { x.JobId, x.Status, x.IsTerminal, x.FromSummary })
            .ToDictionaryAsync(x => x.JobId, x => new StoredJobState(x.Status, x.IsTerminal, x.FromSummary), StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>
    /// Inserts or updates the jobs (and attempts) in one transaction; returns how many job rows were
    /// inserted or changed. A snapshot older than what we store (lower lifecycle rank) is ignored, and a
    /// ListJobs summary never overwrites a DescribeJobs detail.
    /// </summary>
    public async Task<int> UpsertJobsAsync(IReadOnlyList<JobWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return 0;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = writes.Select(w => w.Row.JobId).Distinct(StringComparer.Ordinal).ToList();
        var existing = await db.Jobs
            .Where(x => x.Account == _account && x.Region == _region && ids.Contains(x.JobId))
            .ToDictionaryAsync(x => x.JobId, StringComparer.Ordinal, cancellationToken);

        var withAttempts = writes.Where(w => w.Attempts is { Count: > 0 }).Select(w => w.Row.JobId).Distinct(StringComparer.Ordinal).ToList();
        var existingAttempts = withAttempts.Count == 0
            ? new Dictionary<(string JobId, int AttemptIndex), JobAttemptRow>()
            : await db.JobAttempts
                .Where(x => x.Account == _account && x.Region == _region && withAttempts.Contains(x.JobId))
                .ToDictionaryAsync(x => (x.JobId, x.AttemptIndex), cancellationToken);

        var written = 0;
        foreach (var write in writes)
        {
            var proposed = write.Row;
            if (existing.TryGetValue(proposed.JobId, out var row))
            {
                if (BatchJobStatus.Rank(proposed.Status) < BatchJobStatus.Rank(row.Status)
                    || (proposed.FromSummary && !row.FromSummary))
                {
                    continue;
                }

                // HarvestedAt on jobs means "last changed", so replaying an unchanged snapshot writes nothing.
                proposed.HarvestedAt = row.HarvestedAt;
                var entry = db.Entry(row);
                entry.CurrentValues.SetValues(proposed);
                entry.DetectChanges();
                if (entry.State == EntityState.Modified)
                {
                    row.HarvestedAt = now;
                    written++;
                }
            }
            else
            {
                proposed.HarvestedAt = now;
                db.Jobs.Add(proposed);
                existing[proposed.JobId] = proposed;
                written++;
            }

            foreach (var attempt in write.Attempts ?? [])
            {
                if (existingAttempts.TryGetValue((attempt.JobId, attempt.AttemptIndex), out var current))
                {
                    var entry = db.Entry(current);
                    entry.CurrentValues.SetValues(attempt);
                    entry.DetectChanges();
                }
                else
                {
                    db.JobAttempts.Add(attempt);
                    existingAttempts[(attempt.JobId, attempt.AttemptIndex)] = attempt;
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return written;
    }
}
