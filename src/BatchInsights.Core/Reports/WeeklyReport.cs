namespace BatchInsights.Core.Reports;

/// <summary>
/// A week's cost report as stored (JSON) and served by <c>GET /api/v1/reports/{week}</c>. Money in USD (decimal, as the Costs API).
/// Cost figures come from the roll-ups through <see cref="Costs.CostQueries"/> for [<see cref="FromMs"/>, <see cref="ToMs"/>), so they
/// equal the Costs page for the same range; top jobs, failures and Spot savings read the attempt rows that started in the week.
/// </summary>
public sealed record WeeklyReport(
    int SchemaVersion,
    string Week,
    string PreviousWeek,
    string TimeZone,
    long FromMs,
    long ToMs,
    DateTime BuiltAt,
    ReportTotals Totals,
    ReportTotals PreviousTotals,
    IReadOnlyList<ReportDay> Days,
    IReadOnlyList<ReportGroupTable> Groups,
    ReportSpotSavings SpotSavings,
    IReadOnlyList<ReportIdle> IdleByComputeEnvironment,
    IReadOnlyList<ReportTopJob> TopJobs,
    IReadOnlyList<ReportTopDefinition> TopDefinitions,
    IReadOnlyList<ReportFailureCost> Failures,
    ReportRecommendations Recommendations,
    ReportCeChanges ComputeEnvironmentChanges,
    long? CostsCompleteThroughMs = null)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>
    /// True when, at build time, the cost roll-up of some account/region had not yet reached the week's end (a harvest or
    /// roll-up behind, or the first one still running): the numbers may still grow. Rebuild the week once costs caught up.
    /// </summary>
    public bool Provisional => CostsCompleteThroughMs is { } through && through < ToMs;

    /// <summary>The line every output shows for a provisional report; null when final.</summary>
    public string? ProvisionalNote => Provisional
        ? $"Provisional: costs were rolled up only to {DateTimeOffset.FromUnixTimeMilliseconds(CostsCompleteThroughMs!.Value).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)} when this report was built; the numbers may still grow. Rebuild the week once the harvest and cost roll-up have caught up."
        : null;

    /// <summary>Week-over-week change of the total in percent; null when the previous week cost nothing.</summary>
    public decimal? ChangePercent => ReportMath.ChangePercent(Totals.TotalUsd, PreviousTotals.TotalUsd);
}

/// <summary>A week's totals (as <see cref="Costs.CostReport"/>'s): total = attempts + idle = Spot + On-Demand + Fargate.</summary>
public sealed record ReportTotals(
    decimal TotalUsd, decimal AttemptUsd, decimal IdleUsd, decimal SpotUsd, decimal OnDemandUsd, decimal FargateUsd, decimal EstimatedUsd, int Attempts);

/// <summary>One local day of the week (Monday first): [<see cref="FromMs"/>, <see cref="ToMs"/>) in UTC ms.</summary>
public sealed record ReportDay(DateOnly Date, long FromMs, long ToMs, decimal TotalUsd);

/// <summary>A cost table of one grouping ("queue", "ce", "definition", "tag:team"), largest first, with week-over-week change.</summary>
public sealed record ReportGroupTable(string Grouping, string Title, IReadOnlyList<ReportGroupRow> Rows);

public sealed record ReportGroupRow(
    string Key,
    bool IsIdle,
    decimal TotalUsd,
    decimal PreviousUsd,
    decimal? ChangePercent,
    decimal SpotUsd,
    decimal OnDemandUsd,
    decimal FargateUsd,
    decimal IdleUsd,
    decimal EstimatedUsd,
    int Attempts);

/// <summary>
/// What Spot saved: the Spot attempts' cost against the On-Demand price of the same instance-hours (each attempt's reserved share of
/// its instance × run time × the type's On-Demand price in the catalog). <see cref="UnpricedSpotUsd"/> is Spot cost of types without
/// a known On-Demand price, left out of both sides. Idle Spot capacity is not included (it has no attempt to compare).
/// </summary>
public sealed record ReportSpotSavings(decimal SpotUsd, decimal OnDemandEquivalentUsd, decimal SavingsUsd, decimal? SavingsPercent, decimal UnpricedSpotUsd, int Attempts);

/// <summary>A compute environment's idle/unallocated cost and its share of the CE's cost.</summary>
public sealed record ReportIdle(string ComputeEnvironment, decimal IdleUsd, decimal TotalUsd, decimal? IdlePercent, decimal PreviousIdleUsd);

/// <summary>A job's attempts that started in the week, summed.</summary>
public sealed record ReportTopJob(
    string Account, string Region, string JobId, string JobName, string Queue, string JobDefinition, int Attempts, decimal CostUsd, bool Estimated);

public sealed record ReportTopDefinition(string JobDefinition, decimal CostUsd, decimal PreviousUsd, decimal? ChangePercent, int Attempts);

/// <summary>Money spent on failed attempts (non-zero or no exit code) that started in the week, by cause.</summary>
public sealed record ReportFailureCost(string Cause, string Label, int Attempts, decimal CostUsd, string TopQueue);

public sealed record ReportRecommendations(int OpenCount, decimal MonthlySavingsUsd, IReadOnlyList<ReportRecommendation> Top);

public sealed record ReportRecommendation(long Id, string Title, string TargetKind, string TargetName, decimal MonthlySavingsUsd, string Confidence, string Severity);

/// <summary>CE changes made through BatchInsights in the week (from the audit log); <see cref="Note"/> says what is and is not listed.</summary>
public sealed record ReportCeChanges(bool Available, string Note, IReadOnlyList<ReportCeChange> Changes);

/// <summary>An accepted apply or rollback; for an applied recommendation, its predicted and (once measurable) realized monthly savings.</summary>
public sealed record ReportCeChange(DateTime At, string ComputeEnvironment, string Change, string By,
    decimal? PredictedMonthlyUsd = null, decimal? RealizedMonthlyUsd = null, string? RealizedBasis = null);

/// <summary>A stored week in the archive.</summary>
public sealed record WeeklyReportSummary(string Week, string TimeZone, DateTime BuiltAt, decimal TotalUsd, decimal? ChangePercent);

internal static class ReportMath
{
    public static decimal? ChangePercent(decimal current, decimal previous) =>
        previous == 0m ? null : decimal.Round((current - previous) / previous * 100m, 1);

    public static decimal? Percent(decimal part, decimal whole) =>
        whole == 0m ? null : decimal.Round(part / whole * 100m, 1);
}
