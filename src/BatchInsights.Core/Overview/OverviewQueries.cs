using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Overview;

/// <summary>
/// The Overview snapshot in one call. Costs come from <see cref="CostQueries"/> (the roll-ups), recommendations from
/// <see cref="RecommendationStore"/>, harvest freshness from <see cref="HarvestStatusQueries"/>; job and attempt counts
/// are range reads of indexes (IX_jobs_Status_CreatedAtMs_JobId, IX_jobs_Target_Status_Created, IX_job_attempts_Stopped,
/// IX_job_attempts_Failed): no job or attempt row is read without one.
/// </summary>
public sealed class OverviewQueries(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    CostQueries costs,
    RecommendationStore recommendations,
    HarvestStatusQueries harvestStatus,
    IOptions<ReportOptions> options,
    IOptions<BrowseOptions> browseOptions,
    IOptions<CostOptions> costOptions,
    TimeProvider clock)
{
    public const int TopCount = 5;
    public const int TrendDays = 30;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan FinishedJobsWindow = TimeSpan.FromHours(24);

    private const long DayMs = 86_400_000;

    public async Task<OverviewSnapshot> GetAsync(TargetFilter target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var now = clock.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var zone = options.Value.ResolveTimeZone();

        var thisWeek = IsoWeek.Containing(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime));
        var lastWeek = thisWeek.Previous();
        var (thisFrom, thisTo) = thisWeek.UtcRangeMs(zone);
        var (lastFrom, lastTo) = lastWeek.UtcRangeMs(zone);

        // The parts are independent reads on their own contexts: run them side by side (SQLite WAL and PostgreSQL serve
        // concurrent readers), so the page waits for the slowest, not the sum.
        var teamKey = costOptions.Value.EffectiveTagKeys is { Count: > 0 } keys ? keys[0] : null;
        var trendTo = CostLedger.DayStart(nowMs) + DayMs;
        var trendFrom = trendTo - (TrendDays * DayMs);
        var byQueueTask = costs.GetAsync(CostGrouping.Queue, thisFrom, thisTo, target, cancellationToken);
        var byCeTask = costs.GetAsync(CostGrouping.ComputeEnvironment, thisFrom, thisTo, target, cancellationToken);
        var byDefinitionTask = costs.GetAsync(CostGrouping.Definition, thisFrom, thisTo, target, cancellationToken);
        var byTeamTask = teamKey is null ? Task.FromResult<CostReport?>(null)
            : NullableAsync(costs.GetAsync(new CostGrouping("tag", teamKey), thisFrom, thisTo, target, cancellationToken));
        var previousTask = costs.GetAsync(CostGrouping.Queue, lastFrom, lastTo, target, cancellationToken);
        var trendTask = costs.GetAsync(CostGrouping.Queue, trendFrom, trendTo, target, cancellationToken);
        var openTask = recommendations.ListLatestAsync(target, includeDismissed: false, cancellationToken);
        var harvestTask = harvestStatus.ListAsync(cancellationToken);
        var jobsTask = WithContextAsync(db => CountJobsAsync(db, target, nowMs, cancellationToken), cancellationToken);
        var failuresTask = WithContextAsync(db => FailuresAsync(db, target, nowMs, cancellationToken), cancellationToken);
        var stuckTask = StuckAfterOpenAsync(openTask, target, nowMs, cancellationToken);
        await Task.WhenAll(byQueueTask, byCeTask, byDefinitionTask, byTeamTask, previousTask, trendTask, openTask, harvestTask, jobsTask, failuresTask, stuckTask);

        var (byQueue, byTeam, trend, open, jobs, failures, stuck) =
            (await byQueueTask, await byTeamTask, await trendTask, await openTask, await jobsTask, await failuresTask, await stuckTask);
        var harvest = (await harvestTask)
            .Where(s => (target.Account is null || s.Account == target.Account) && (target.Region is null || s.Region == target.Region)).ToList();
        var hasData = trend.Groups.Count > 0 || jobs.ByStatus.Any(s => s.Count > 0) || stuck.Count > 0 || failures.Attempts > 0
            || harvest.Any(s => s.LastSuccessAt is not null);
        // Roll-ups of the last 30 days cover both weeks: none means the cost job has not run (or found nothing) yet.
        var hasCosts = trend.Groups.Count > 0 || (await previousTask).Groups.Count > 0;
        return new OverviewSnapshot(now, target.Account, target.Region, hasData, hasCosts, zone.Id,
            Spend(thisWeek, byQueue), Spend(lastWeek, await previousTask), Trend(trend),
            new OverviewTopLists(Top(byQueue), Top(await byCeTask), Top(await byDefinitionTask), teamKey, byTeam is null ? [] : Top(byTeam)),
            jobs, stuck, failures, Savings(open), await RealizedAsync(target, cancellationToken), Freshness(harvest));
    }

    private static async Task<CostReport?> NullableAsync(Task<CostReport> task) => await task;

    private async Task<OverviewSavingsRealized?> RealizedAsync(TargetFilter target, CancellationToken cancellationToken)
    {
        var total = await new Apply.ChangeHistory(dbFactory, costOptions, clock).RealizedAsync(target.Account, target.Region, cancellationToken);
        return total.Applied == 0 ? null : new OverviewSavingsRealized(total.RealizedMonthlyUsd, total.Applied, total.Measured, total.PredictedMonthlyUsd);
    }

    private async Task<T> WithContextAsync<T>(Func<BatchInsightsDbContext, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await read(db);
    }

    private async Task<List<OverviewStuckQueue>> StuckAfterOpenAsync(Task<IReadOnlyList<RecommendationSummary>> open, TargetFilter target, long nowMs,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await StuckQueuesAsync(db, target, nowMs, open, cancellationToken);
    }

    private static OverviewSpend Spend(IsoWeek week, CostReport r) =>
        new(week.ToString(), r.FromMs, r.ToMs, r.TotalUsd, r.SpotUsd, r.OnDemandUsd, r.FargateUsd, r.IdleUsd, r.EstimatedUsd);

    // The idle group is not a queue, definition or team: it is shown as the idle share, not ranked among them.
    private static List<OverviewTopItem> Top(CostReport r) =>
        r.Groups.Where(g => !g.IsIdle && g.TotalUsd > 0).Take(TopCount).Select(g => new OverviewTopItem(g.Key, g.TotalUsd, g.EstimatedUsd)).ToList();

    private static OverviewTrend Trend(CostReport r)
    {
        var byDay = r.Days.GroupBy(d => d.DayStartMs).ToDictionary(g => g.Key, g => g.Sum(d => d.TotalUsd));
        var days = new List<OverviewDay>();
        for (var day = r.FromMs; day < r.ToMs; day += DayMs)
        {
            days.Add(new OverviewDay(day, byDay.GetValueOrDefault(day)));
        }

        return new OverviewTrend(r.FromMs, r.ToMs, days);
    }

    /// <summary>
    /// One COUNT per status. Active statuses count every job; SUCCEEDED and FAILED only those submitted in the last 24 h,
    /// a bounded range of the (Status, CreatedAtMs) index. With a target, IX_jobs_Target_Status_Created answers the same.
    /// </summary>
    private static async Task<OverviewJobCounts> CountJobsAsync(BatchInsightsDbContext db, TargetFilter target, long nowMs, CancellationToken cancellationToken)
    {
        var since = nowMs - (long)FinishedJobsWindow.TotalMilliseconds;
        var counts = new List<OverviewStatusCount>(BatchJobStatus.All.Count);
        foreach (var status in BatchJobStatus.All)
        {
            var q = Jobs(db, target).Where(j => j.Status == status);
            if (BatchJobStatus.IsTerminal(status))
            {
                q = q.Where(j => j.CreatedAtMs >= since);
            }

            counts.Add(new OverviewStatusCount(status, await q.LongCountAsync(cancellationToken)));
        }

        return new OverviewJobCounts(since, counts);
    }

    private async Task<List<OverviewStuckQueue>> StuckQueuesAsync(BatchInsightsDbContext db, TargetFilter target, long nowMs,
        Task<IReadOnlyList<RecommendationSummary>> openTask, CancellationToken cancellationToken)
    {
        // As the Queues page: creation time is the stored proxy for "became RUNNABLE" (Batch does not report it).
        var cutMs = nowMs - (long)browseOptions.Value.StuckRunnableAfter.TotalMilliseconds;
        var groups = await Jobs(db, target).Where(j => j.Status == BatchJobStatus.Runnable && j.CreatedAtMs < cutMs)
            .GroupBy(j => new { j.Account, j.Region, j.QueueName })
            .Select(g => new { g.Key.Account, g.Key.Region, g.Key.QueueName, Count = g.LongCount(), OldestMs = g.Min(j => j.CreatedAtMs) })
            .ToListAsync(cancellationToken);
        if (groups.Count == 0)
        {
            return [];
        }

        var names = groups.Select(g => g.QueueName).Distinct().ToList();
        var queueCes = (await db.JobQueues.AsNoTracking().Where(q => names.Contains(q.Name))
                .Select(q => new { q.Account, q.Region, q.Name, q.ComputeEnvironmentOrder }).ToListAsync(cancellationToken))
            .ToDictionary(q => (q.Account, q.Region, q.Name), q => BrowseFormat.SplitList(q.ComputeEnvironmentOrder).Select(BrowseFormat.NameFromArn).ToList());
        // A CE without a network path is reported by the network rule alone (with the fix); its CE-targeted findings are exactly those.
        var findings = (await openTask).Where(r => r.RuleId == StuckJobsRule.RuleId
            || (r.RuleId == NetworkPathRule.RuleId && r.TargetKind == nameof(RecommendationTargetKind.ComputeEnvironment))).ToList();
        return groups.Select(g =>
            {
                var ces = queueCes.GetValueOrDefault((g.Account, g.Region, g.QueueName)) ?? [];
                var reason = findings.Where(r => r.Account == g.Account && r.Region == g.Region && ExplainsWait(r, g.QueueName, ces))
                    .OrderBy(r => SeverityRank(r.Severity)).ThenBy(r => r.Id).FirstOrDefault();
                return new OverviewStuckQueue(g.Account, g.Region, g.QueueName, g.Count, g.OldestMs, Math.Max(0, (nowMs - g.OldestMs) / 1000),
                    reason?.Title, reason?.Id);
            })
            .OrderBy(s => s.OldestCreatedAtMs).ThenBy(s => s.Queue, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Whether a stuck-jobs finding explains this queue's waiting jobs. The rule's waiting-job findings target one of the
    /// queue's CEs (disabled, INVALID, no network path, at maxvCpus, or a job that fits none of its types), or are Critical on
    /// the queue itself (DISABLED) or on a job definition titled "queue: … fits no allowed instance type". Its failure
    /// findings (Spot reclaim, OOM, image pull, exit codes) never target a CE and are never Critical, so they never match.
    /// </summary>
    private static bool ExplainsWait(RecommendationSummary r, string queue, List<string> ces) =>
        (r.TargetKind == nameof(RecommendationTargetKind.ComputeEnvironment) && ces.Contains(r.TargetName))
        || (r.Severity == nameof(RecommendationSeverity.Critical)
            && ((r.TargetKind == nameof(RecommendationTargetKind.JobQueue) && r.TargetName == queue)
                || (r.TargetKind == nameof(RecommendationTargetKind.JobDefinition) && r.Title.StartsWith(queue + ": ", StringComparison.Ordinal))));

    private static int SeverityRank(string severity) => severity switch
    {
        nameof(RecommendationSeverity.Critical) => 0,
        nameof(RecommendationSeverity.Warning) => 1,
        _ => 2,
    };

    /// <summary>
    /// Attempts stopped in the last 7 days (a count over IX_job_attempts_Stopped) and the failed ones grouped by exit code and
    /// reasons (IX_job_attempts_Failed, a partial covering index of failed attempts), then classified as the stuck-jobs rule
    /// classifies them (<see cref="RecommendationInputLoader.FailureCause"/>).
    /// </summary>
    private static async Task<OverviewFailures> FailuresAsync(BatchInsightsDbContext db, TargetFilter target, long nowMs, CancellationToken cancellationToken)
    {
        var fromMs = nowMs - (long)FailureWindow.TotalMilliseconds;
        var attempts = db.JobAttempts.AsNoTracking().Where(a => a.StoppedAtMs >= fromMs && a.StoppedAtMs < nowMs);
        if (target.Account is { } account)
        {
            attempts = attempts.Where(a => a.Account == account);
        }

        if (target.Region is { } region)
        {
            attempts = attempts.Where(a => a.Region == region);
        }

        var total = await attempts.LongCountAsync(cancellationToken);
        var failed = await attempts.Where(a => a.ExitCode == null || a.ExitCode != 0)
            .GroupBy(a => new { a.ExitCode, a.StatusReason, a.Reason })
            .Select(g => new { g.Key.ExitCode, g.Key.StatusReason, g.Key.Reason, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        var byCause = failed.GroupBy(f => RecommendationInputLoader.FailureCause(f.ExitCode, f.StatusReason, f.Reason))
            .ToDictionary(g => g.Key, g => g.Sum(f => f.Count), StringComparer.Ordinal);
        var causes = RecommendationInputLoader.FailureCauses.Where(c => byCause.ContainsKey(c.Cause))
            .Select(c => new OverviewFailureCause(c.Cause, c.Label, byCause[c.Cause], total == 0 ? 0 : byCause[c.Cause] / (double)total))
            .OrderByDescending(c => c.Count).ToList();
        return new OverviewFailures(fromMs, nowMs, total, byCause.Values.Sum(), causes);
    }

    private static OverviewSavings Savings(IReadOnlyList<RecommendationSummary> open)
    {
        var saving = open.Where(r => r.MonthlySavingsUsd > 0).OrderByDescending(r => r.MonthlySavingsUsd).ThenBy(r => r.Id).ToList();
        var largest = saving.FirstOrDefault();
        return new OverviewSavings(saving.Sum(r => r.MonthlySavingsUsd), saving.Count, open.Count,
            largest is null ? null : new OverviewRecommendationRef(largest.Id, largest.Title, largest.MonthlySavingsUsd));
    }

    private static OverviewFreshness Freshness(List<HarvestSourceStatus> rows) =>
        new(rows.Count, rows.Max(s => s.LagSeconds),
            rows.Where(s => s.Health is HarvestHealth.Failing or HarvestHealth.Stale)
                .Select(s => new OverviewHarvestProblem(s.Account, s.Region, s.Kind, s.Health, s.LagSeconds, s.LastError)).ToList());

    private static IQueryable<JobRow> Jobs(BatchInsightsDbContext db, TargetFilter target)
    {
        var q = db.Jobs.AsNoTracking();
        if (target.Account is { } account)
        {
            q = q.Where(j => j.Account == account);
        }

        if (target.Region is { } region)
        {
            q = q.Where(j => j.Region == region);
        }

        return q;
    }
}
