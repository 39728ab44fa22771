namespace BatchInsights.Core.Overview;

/// <summary>
/// Everything the Overview page (the landing page) and <c>GET /api/v1/overview</c> show, for one account/region filter at
/// one instant. Money in USD; amounts that rest on an estimate are counted in the <c>EstimatedUsd</c> fields.
/// </summary>
/// <param name="HasData">False while nothing has been harvested or costed yet for the filter: the page shows a "no data yet" state, not zeros.</param>
/// <param name="HasCosts">False while the cost roll-ups hold nothing for the last 30 days (e.g. jobs harvested, costs not computed yet): spend is unknown, not $0.</param>
/// <param name="TimeZone">The report time zone (<c>Reports:TimeZone</c>) the weeks are cut in.</param>
/// <param name="SavingsRealized">Null until a recommendation has been applied (and not rolled back).</param>
public sealed record OverviewSnapshot(
    DateTimeOffset GeneratedAt,
    string? Account,
    string? Region,
    bool HasData,
    bool HasCosts,
    string TimeZone,
    OverviewSpend ThisWeek,
    OverviewSpend LastWeek,
    OverviewTrend Trend,
    OverviewTopLists Top,
    OverviewJobCounts Jobs,
    IReadOnlyList<OverviewStuckQueue> StuckQueues,
    OverviewFailures Failures,
    OverviewSavings SavingsAvailable,
    OverviewSavingsRealized? SavingsRealized,
    OverviewFreshness Harvest);

/// <summary>One ISO week's spend (<paramref name="Week"/> like "2026-W48"), [FromMs, ToMs) in UTC epoch ms, as CostQueries reports it.</summary>
public sealed record OverviewSpend(
    string Week,
    long FromMs,
    long ToMs,
    decimal TotalUsd,
    decimal SpotUsd,
    decimal OnDemandUsd,
    decimal FargateUsd,
    decimal IdleUsd,
    decimal EstimatedUsd)
{
    /// <summary>Idle/unallocated cost as a share of the total (0 when nothing was spent).</summary>
    public decimal IdleShare => TotalUsd == 0 ? 0 : IdleUsd / TotalUsd;
}

/// <summary>Total spend per UTC day, oldest first, every day of the range present (0 when nothing was spent).</summary>
public sealed record OverviewTrend(long FromMs, long ToMs, IReadOnlyList<OverviewDay> Days);

public sealed record OverviewDay(long DayStartMs, decimal TotalUsd);

/// <summary>A group's cost this week (a queue, CE, job definition or team).</summary>
public sealed record OverviewTopItem(string Key, decimal TotalUsd, decimal EstimatedUsd);

/// <summary>The five most expensive of each grouping this week. <paramref name="TeamTagKey"/> is the first Costs:TagKeys key (null: none configured).</summary>
public sealed record OverviewTopLists(
    IReadOnlyList<OverviewTopItem> Queues,
    IReadOnlyList<OverviewTopItem> ComputeEnvironments,
    IReadOnlyList<OverviewTopItem> JobDefinitions,
    string? TeamTagKey,
    IReadOnlyList<OverviewTopItem> Teams);

/// <summary>
/// Jobs per Batch status now: every job in an active status, and the SUCCEEDED/FAILED ones submitted since
/// <paramref name="FinishedSinceMs"/> (the last 24 h: all-time totals of finished jobs only grow and say nothing about now).
/// </summary>
public sealed record OverviewJobCounts(long FinishedSinceMs, IReadOnlyList<OverviewStatusCount> ByStatus);

public sealed record OverviewStatusCount(string Status, long Count);

/// <summary>
/// A queue whose RUNNABLE jobs wait longer than Browse:StuckRunnableAfter, with the stuck-jobs recommendation that
/// explains it when the latest run has one.
/// </summary>
public sealed record OverviewStuckQueue(
    string Account,
    string Region,
    string Queue,
    long RunnableOverThreshold,
    long OldestCreatedAtMs,
    long OldestWaitSeconds,
    string? Reason,
    long? RecommendationId);

/// <summary>Attempts that stopped in [FromMs, ToMs) and those that failed, by cause (the stuck-jobs rule's classification).</summary>
public sealed record OverviewFailures(long FromMs, long ToMs, long Attempts, long Failed, IReadOnlyList<OverviewFailureCause> Causes)
{
    public double FailureRate => Attempts == 0 ? 0 : Failed / (double)Attempts;
}

/// <param name="Cause">spot-reclaim | oom-137 | image-pull | exit-code | other (RecommendationInputLoader.FailureCause).</param>
/// <param name="Rate">Failed attempts of this cause per stopped attempt in the window.</param>
public sealed record OverviewFailureCause(string Cause, string Label, long Count, double Rate);

/// <summary>The open (not dismissed) recommendations of the latest run: summed monthly savings, how many save money, the largest.</summary>
public sealed record OverviewSavings(decimal MonthlyUsd, int Count, int OpenRecommendations, OverviewRecommendationRef? Largest);

public sealed record OverviewRecommendationRef(long Id, string Title, decimal MonthlySavingsUsd);

/// <summary>
/// Applied recommendations still in effect: how many, what they predicted, and what the <see cref="Measured"/> ones saved
/// (cost per job-hour before vs after, see <see cref="Apply.ChangeHistory"/>).
/// </summary>
public sealed record OverviewSavingsRealized(decimal MonthlyUsd, int Applied, int Measured, decimal PredictedMonthlyUsd);

/// <summary>The harvest status rows of the filter: the worst lag and the sources that are Failing, Stale or Never succeeded.</summary>
public sealed record OverviewFreshness(int Sources, long? WorstLagSeconds, IReadOnlyList<OverviewHarvestProblem> Problems);

public sealed record OverviewHarvestProblem(string Account, string Region, string Kind, string Health, long? LagSeconds, string? LastError);
