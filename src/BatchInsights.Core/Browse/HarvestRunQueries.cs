using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

public sealed class HarvestRunQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The latest harvest runs, newest first.</summary>
    public async Task<IReadOnlyList<HarvestRunSummary>> ListLatestAsync(int limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidQueryParameterException("limit", $"limit must be between 1 and {MaxLimit}.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.HarvestRuns.AsNoTracking()
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Take(limit)
            .Select(r => new HarvestRunSummary(
                r.Id, r.Account, r.Region, r.Kind, r.StartedAt, r.EndedAt, r.Outcome, r.Calls, r.Throttled,
                r.JobsListed, r.JobsDescribed, r.JobsWritten, r.Queues, r.ComputeEnvironments, r.Error))
            .ToListAsync(cancellationToken);
    }
}
