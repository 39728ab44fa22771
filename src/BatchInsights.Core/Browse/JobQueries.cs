using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

public enum JobSort
{
    /// <summary>Newest first (the default, as AWS lists jobs).</summary>
    CreatedDesc,
    CreatedAsc,
}

/// <summary>Job list filters; every one is optional and they combine with AND.</summary>
public sealed record JobFilter(
    string? Queue = null,
    string? Status = null,
    string? NamePrefix = null,
    long? CreatedFromMs = null,
    long? CreatedToMs = null,
    JobSort Sort = JobSort.CreatedDesc,
    string? Account = null,
    string? Region = null);

/// <summary>
/// Jobs by keyset paging over (CreatedAtMs, JobId): each page is an index range scan whatever its depth,
/// so there is no OFFSET and no exact COUNT on this path (both cost O(rows) on millions of jobs).
/// </summary>
public sealed class JobQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <exception cref="InvalidQueryParameterException">Unknown status, limit out of range or malformed cursor.</exception>
    public async Task<JobPage> ListAsync(JobFilter filter, string? after = null, int limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidQueryParameterException("limit", $"limit must be between 1 and {MaxLimit}.");
        }

        string? status = null;
        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            status = BatchJobStatus.Normalize(filter.Status)
                ?? throw new InvalidQueryParameterException("status", $"status must be one of {string.Join(", ", BatchJobStatus.All)}.");
        }

        JobCursor? cursor = null;
        if (!string.IsNullOrEmpty(after))
        {
            cursor = JobCursor.TryDecode(after, out var c) ? c
                : throw new InvalidQueryParameterException("after", "after is not a cursor returned by this API.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Jobs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Queue))
        {
            var queue = filter.Queue.Trim();
            query = query.Where(j => j.QueueName == queue);
        }

        if (status is not null)
        {
            query = query.Where(j => j.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(filter.Account))
        {
            var account = filter.Account.Trim();
            query = query.Where(j => j.Account == account);
        }

        if (!string.IsNullOrWhiteSpace(filter.Region))
        {
            var region = filter.Region.Trim();
            query = query.Where(j => j.Region == region);
        }

        if (!string.IsNullOrWhiteSpace(filter.NamePrefix))
        {
            // Case-insensitive, as AWS's JOB_NAME filter. SQLite's LIKE ignores ASCII case but PostgreSQL's does not,
            // so both sides are upper-cased (job names are ASCII: letters, digits, '-' and '_').
            var prefix = filter.NamePrefix.Trim().ToUpperInvariant();
#pragma warning disable CA1862 // EF translates ToUpper() to SQL upper(); StringComparison overloads do not translate.
            query = query.Where(j => j.JobName.ToUpper().StartsWith(prefix));
#pragma warning restore CA1862
        }

        if (filter.CreatedFromMs is { } from)
        {
            query = query.Where(j => j.CreatedAtMs >= from);
        }

        if (filter.CreatedToMs is { } to)
        {
            query = query.Where(j => j.CreatedAtMs < to);
        }

        if (filter.Sort == JobSort.CreatedAsc)
        {
            if (cursor is { } c)
            {
                var (ms, id) = (c.CreatedAtMs, c.JobId);
                query = query.Where(j => j.CreatedAtMs > ms || (j.CreatedAtMs == ms && string.Compare(j.JobId, id) > 0));
            }

            query = query.OrderBy(j => j.CreatedAtMs).ThenBy(j => j.JobId);
        }
        else
        {
            if (cursor is { } c)
            {
                var (ms, id) = (c.CreatedAtMs, c.JobId);
                query = query.Where(j => j.CreatedAtMs < ms || (j.CreatedAtMs == ms && string.Compare(j.JobId, id) < 0));
            }

            query = query.OrderByDescending(j => j.CreatedAtMs).ThenByDescending(j => j.JobId);
        }

        // One row more than asked tells whether a next page exists without counting.
        var rows = await query.Take(limit + 1)
            .Select(j => new JobListItem(
                j.Account, j.Region, j.JobId, j.JobName, j.QueueName, j.Status, j.StatusReason,
                j.CreatedAtMs, j.StartedAtMs, j.StoppedAtMs, j.ExitCode, j.AttemptCount,
                j.ArrayParentId, j.ArrayIndex, j.ArraySize))
            .ToListAsync(cancellationToken);

        if (rows.Count <= limit)
        {
            return new JobPage(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        var last = rows[^1];
        return new JobPage(rows, new JobCursor(last.CreatedAtMs, last.JobId).Encode());
    }

    /// <summary>One job with its attempts and array relations, or null when unknown.</summary>
    public async Task<JobDetail?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var j = await db.Jobs.AsNoTracking()
            .Where(x => x.JobId == jobId)
            .OrderBy(x => x.Account).ThenBy(x => x.Region)
            .FirstOrDefaultAsync(cancellationToken);
        if (j is null)
        {
            return null;
        }

        var attempts = await db.JobAttempts.AsNoTracking()
            .Where(a => a.Account == j.Account && a.Region == j.Region && a.JobId == j.JobId)
            .OrderBy(a => a.AttemptIndex)
            .Select(a => new JobAttempt(a.AttemptIndex, a.ContainerInstanceArn, a.TaskArn, a.StartedAtMs, a.StoppedAtMs,
                a.ExitCode, a.Reason, a.StatusReason, a.LogStreamName))
            .ToListAsync(cancellationToken);

        ArrayParentLink? parent = null;
        if (j.ArrayParentId is { } parentId)
        {
            var parentName = await db.Jobs.AsNoTracking()
                .Where(x => x.Account == j.Account && x.Region == j.Region && x.JobId == parentId)
                .Select(x => x.JobName)
                .FirstOrDefaultAsync(cancellationToken);
            parent = new ArrayParentLink(parentId, parentName, j.ArrayIndex);
        }

        ArrayChildrenSummary? children = null;
        if (j.ArraySize is not null || j.ArrayParentId is null)
        {
            var counts = await db.Jobs.AsNoTracking()
                .Where(x => x.ArrayParentId == j.JobId && x.Account == j.Account && x.Region == j.Region)
                .GroupBy(x => x.Status)
                .Select(g => new { Status = g.Key, Count = g.LongCount() })
                .ToListAsync(cancellationToken);
            if (j.ArraySize is not null || counts.Count > 0)
            {
                children = new ArrayChildrenSummary(
                    j.ArraySize,
                    counts.Sum(c => c.Count),
                    counts.ToDictionary(c => c.Status, c => c.Count, StringComparer.Ordinal));
            }
        }

        return new JobDetail(
            j.Account, j.Region, j.JobId, j.JobName, j.JobArn, j.QueueName, j.Status, j.StatusReason,
            j.CreatedAtMs, j.StartedAtMs, j.StoppedAtMs, j.JobDefinitionArn, j.Vcpus, j.MemoryMib, j.Gpus,
            j.NumNodes, j.ShareIdentifier, j.ExitCode, j.ContainerReason, j.LogStreamName, j.AttemptCount,
            j.IsTerminal, j.FromSummary, j.HarvestedAt, attempts, parent, children);
    }
}
