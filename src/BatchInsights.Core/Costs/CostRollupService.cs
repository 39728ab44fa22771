using System.Text.Json;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Costs;

/// <summary>What one roll-up run did for a target.</summary>
public sealed record CostRunResult(string Account, string Region, long WindowStartMs, long WindowEndMs, int Instances, int Attempts, int Rollups, decimal InstanceTotalUsd);

/// <summary>
/// Recomputes attempt costs and roll-ups incrementally: only the UTC days touched by jobs or instances that changed since
/// the last run (watermark "costs" per target). A run rewrites its window day by day, each day in one transaction, and
/// moves the watermark last: rerunning gives identical rows, and a run killed mid-way leaves whole days and the old
/// watermark (the next run redoes the window).
/// </summary>
public sealed partial class CostRollupService(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    IInstanceCatalog catalog,
    IOptions<CostOptions> options,
    TimeProvider clock,
    ILogger<CostRollupService> logger)
{
    public const string WatermarkScope = "costs";
    private const long DayMs = 86_400_000;

    // A harvest's rows carry the harvest's "now", taken after its run row (HarvestRuns, Outcome Running) is committed and
    // before its data transaction commits. So the next run resumes from the start of the oldest harvest still running
    // when this run read its inputs (its rows may not be visible yet), else from this run's "now": no fixed look-back,
    // which made every run re-read (and recompute) whatever the last harvest before it wrote. A run row left "Running"
    // by a killed process is ignored after this long.
    private static readonly TimeSpan StaleHarvestRun = TimeSpan.FromHours(6);

    private static readonly string[] RunningStates = ["pending", "running", "stopping", "shutting-down"];

    public async Task<IReadOnlyList<CostRunResult>> RunAllAsync(CancellationToken cancellationToken)
    {
        List<(string Account, string Region)> targets;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var fromJobs = await db.Jobs.AsNoTracking().Select(j => new { j.Account, j.Region }).Distinct().ToListAsync(cancellationToken);
            var fromInstances = await db.Ec2Instances.AsNoTracking().Select(j => new { j.Account, j.Region }).Distinct().ToListAsync(cancellationToken);
            targets = fromJobs.Concat(fromInstances).Select(t => (t.Account, t.Region)).Distinct().ToList();
        }

        var results = new List<CostRunResult>();
        foreach (var (account, region) in targets)
        {
            results.Add(await RunAsync(account, region, cancellationToken));
        }

        return results;
    }

    public async Task<CostRunResult> RunAsync(string account, string region, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var watermark = await db.HarvestWatermarks.AsNoTracking()
            .Where(x => x.Account == account && x.Region == region && x.Scope == WatermarkScope)
            .Select(x => (long?)x.ValueMs).FirstOrDefaultAsync(cancellationToken) ?? long.MinValue;
        var staleBefore = clock.GetUtcNow().UtcDateTime - StaleHarvestRun;
        var oldestRunning = await db.HarvestRuns.AsNoTracking()
            .Where(r => r.Account == account && r.Region == region && r.Outcome == HarvestOutcome.Running && r.StartedAt >= staleBefore)
            .MinAsync(r => (DateTime?)r.StartedAt, cancellationToken);
        var nextWatermark = oldestRunning is null ? now : Math.Min(now, new DateTimeOffset(DateTime.SpecifyKind(oldestRunning.Value, DateTimeKind.Utc)).ToUnixTimeMilliseconds());
        var since = watermark;
        var sinceDate = since == long.MinValue ? DateTime.MinValue : DateTimeOffset.FromUnixTimeMilliseconds(since).UtcDateTime;

        // 1. What changed: jobs (HarvestedAt = last changed), instances (LastSeenMs moves while they run), placements.
        var changedJobs = await db.Jobs.AsNoTracking()
            .Where(j => j.Account == account && j.Region == region && j.HarvestedAt >= sinceDate && j.StartedAtMs != null)
            .GroupBy(_ => 1)
            .Select(g => new { Start = g.Min(j => j.CreatedAtMs), End = g.Max(j => j.StoppedAtMs ?? now), Open = g.Any(j => j.StoppedAtMs == null) })
            .FirstOrDefaultAsync(cancellationToken);
        // An instance first seen since the last run is new: its whole interval counts. One seen before only had its end
        // move (LastSeenMs on while it runs, or a termination learnt): its billed interval changed between its previous
        // end — the previous run's "now" (the watermark) while it ran, or the termination time learnt since — and its new
        // end, so only those days count, not every day since a long-running instance's launch.
        var prevNow = watermark;
        var changedInstances = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.Account == account && i.Region == region && i.LastSeenMs >= since)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                Start = g.Min(i => i.FirstSeenMs >= since
                    ? i.LaunchTimeMs ?? i.FirstSeenMs
                    : (i.TerminatedAtMs ?? i.LastSeenMs) < since ? i.TerminatedAtMs ?? i.LastSeenMs : since),
                // Unterminated: billed up to this run's "now". A new instance has no previous end to undo.
                End = g.Max(i => i.FirstSeenMs >= since || (i.TerminatedAtMs ?? now) > prevNow ? i.TerminatedAtMs ?? now : prevNow),
            })
            .FirstOrDefaultAsync(cancellationToken);
        // A placement learnt after the job stopped changing (the instance harvest describes container instances later).
        var changedPlacements = await (
            from a in db.JobAttempts.AsNoTracking()
            join c in db.ContainerInstances.AsNoTracking() on new { a.Account, a.Region, Arn = a.ContainerInstanceArn! } equals new { c.Account, c.Region, Arn = c.ContainerInstanceArn }
            where a.Account == account && a.Region == region && c.DescribedAtMs >= since && a.StartedAtMs != null
            group a by 1 into g
            select new { Start = g.Min(a => a.StartedAtMs!.Value), End = g.Max(a => a.StoppedAtMs ?? a.StartedAtMs!.Value) })
            .FirstOrDefaultAsync(cancellationToken);
        if (changedJobs is null && changedInstances is null && changedPlacements is null)
        {
            await WriteWatermarkAsync(db, account, region, nextWatermark, cancellationToken);
            return new CostRunResult(account, region, 0, 0, 0, 0, 0, 0m);
        }

        var start = Math.Min(Math.Min(changedJobs?.Start ?? long.MaxValue, changedInstances?.Start ?? long.MaxValue), changedPlacements?.Start ?? long.MaxValue);
        var end = Math.Max(
            Math.Max(changedJobs?.End ?? long.MinValue, changedInstances?.End ?? long.MinValue),
            Math.Max(changedPlacements?.End ?? long.MinValue, changedJobs?.Open == true ? now : long.MinValue));
        var windowStart = CostLedger.DayStart(start);
        var windowEnd = CostLedger.DayStart(Math.Max(start, end)) + DayMs;

        // 2. Day by day (bounded memory: one day's instances and attempts at a time): instances overlapping the day,
        // costed over the span of the attempts overlapping it. Each attempt row is written once, by the first day of the
        // window it runs in. One transaction per day: SQLite has a single writer, and a run-long transaction made the
        // harvests' writes wait past their timeout ("database is locked", seen in the E2E run). A day is complete on its
        // own; the watermark moves only after the last day, so a run killed between days is redone from the same point.
        var instanceIds = new HashSet<string>(StringComparer.Ordinal);
        int attempts = 0, rollups = 0;
        var total = 0m;
        for (var day = windowStart; day < windowEnd; day += DayMs)
        {
            var inputs = await CostInputs.LoadAsync(db, catalog, account, region, day, day + DayMs, now, cancellationToken);
            var ledger = CostLedger.Build(account, region, day, day + DayMs, options.Value.EffectiveTagKeys, inputs.Instances, inputs.Placed, inputs.Lone,
                inputs.ClipStartMs, inputs.ClipEndMs, windowStart);
            await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                await WriteDayAsync(db, account, region, day, ledger, cancellationToken);
                await tx.CommitAsync(cancellationToken);
            }

            instanceIds.UnionWith(inputs.Instances.Select(i => i.Instance.InstanceId));
            attempts += ledger.AttemptCosts.Count;
            rollups += ledger.Rollups.Count;
            total += ledger.InstanceTotalUsd;
        }

        await WriteWatermarkAsync(db, account, region, nextWatermark, cancellationToken);
        LogRun(logger, account, region, windowStart, windowEnd, instanceIds.Count, attempts, decimal.Round(total, 2));
        return new CostRunResult(account, region, windowStart, windowEnd, instanceIds.Count, attempts, rollups, total);
    }

    private static async Task WriteDayAsync(BatchInsightsDbContext db, string account, string region, long day, CostLedgerResult ledger, CancellationToken cancellationToken)
    {
        await db.CostRollups.Where(r => r.Account == account && r.Region == region && r.PeriodStartMs >= day && r.PeriodStartMs < day + DayMs)
            .ExecuteDeleteAsync(cancellationToken);
        // Exactly the rows being rewritten, plus the attempt-less estimate (index -1) of a job whose attempts arrived:
        // deleting by job alone would drop an earlier attempt of the same job written by another day.
        foreach (var byIndex in ledger.AttemptCosts.GroupBy(a => a.AttemptIndex))
        {
            foreach (var chunk in byIndex.Select(a => a.JobId).Chunk(500))
            {
                var index = byIndex.Key;
                await db.AttemptCosts.Where(a => a.Account == account && a.Region == region && a.AttemptIndex == index && chunk.Contains(a.JobId))
                    .ExecuteDeleteAsync(cancellationToken);
            }
        }

        foreach (var chunk in ledger.AttemptCosts.Where(a => a.AttemptIndex >= 0).Select(a => a.JobId).Distinct(StringComparer.Ordinal).Chunk(500))
        {
            await db.AttemptCosts.Where(a => a.Account == account && a.Region == region && a.AttemptIndex == -1 && chunk.Contains(a.JobId))
                .ExecuteDeleteAsync(cancellationToken);
        }

        db.AttemptCosts.AddRange(ledger.AttemptCosts);
        db.CostRollups.AddRange(ledger.Rollups);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static async Task WriteWatermarkAsync(BatchInsightsDbContext db, string account, string region, long now, CancellationToken cancellationToken)
    {
        var row = await db.HarvestWatermarks.FirstOrDefaultAsync(x => x.Account == account && x.Region == region && x.Scope == WatermarkScope, cancellationToken);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime;
        if (row is null)
        {
            db.HarvestWatermarks.Add(new HarvestWatermarkRow { Account = account, Region = region, Scope = WatermarkScope, ValueMs = now, UpdatedAt = at });
        }
        else
        {
            row.ValueMs = now;
            row.UpdatedAt = at;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    internal static long InstanceEnd(Ec2InstanceRow i, long now) =>
        i.TerminatedAtMs ?? (RunningStates.Contains(i.State, StringComparer.Ordinal) ? now : i.LastSeenMs);

    internal static IReadOnlyDictionary<string, string> ParseTags(string? json) =>
        string.IsNullOrEmpty(json)
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? new Dictionary<string, string>(StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Costs {Account}/{Region}: window {WindowStartMs}..{WindowEndMs}, {Instances} instances, {Attempts} attempts, ${TotalUsd} instance cost")]
    private static partial void LogRun(ILogger logger, string account, string region, long windowStartMs, long windowEndMs, int instances, int attempts, decimal totalUsd);
}
