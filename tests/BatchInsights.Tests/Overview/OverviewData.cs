using BatchInsights.Core.Reports;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Overview;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Browse;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Overview;

/// <summary>Rows and the real query objects for the Overview tests.</summary>
internal static class OverviewData
{
    public static OverviewQueries Queries(IDbContextFactory<BatchInsightsDbContext> factory, TimeProvider clock, string timeZone = "UTC")
    {
        var costOptions = Options.Create(new CostOptions());
        return new OverviewQueries(factory, new CostQueries(factory, costOptions, clock), new RecommendationStore(factory, clock),
            new HarvestStatusQueries(factory, clock), Options.Create(new ReportOptions { TimeZone = timeZone }), Options.Create(new BrowseOptions()),
            costOptions, clock);
    }

    public static long Day(int year, int month, int day) => new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>A roll-up row of the "team" tag key's copy (the first default key, which queue/CE/definition groupings read).</summary>
    public static CostRollupRow Rollup(string queue, string ce, long periodStartMs, long micros, string lifecycle = CostLifecycle.Spot, bool idle = false,
        long estimated = 0, string tagValue = "", int periodHours = 24) => new()
    {
        Account = Rows.Account,
        Region = Rows.Region,
        PeriodHours = periodHours,
        PeriodStartMs = periodStartMs,
        ComputeEnvironment = ce,
        QueueName = idle ? "" : queue,
        JobDefinition = idle ? "" : "def-" + queue,
        TagKey = "team",
        TagValue = idle ? "" : tagValue,
        Lifecycle = lifecycle,
        IsIdle = idle,
        CostMicroUsd = micros,
        EstimatedMicroUsd = estimated,
        Attempts = idle ? 0 : 1,
    };

    public static JobAttemptRow Attempt(string jobId, long? stoppedAtMs, int? exitCode, string? statusReason = null, string? reason = null) => new()
    {
        Account = Rows.Account,
        Region = Rows.Region,
        JobId = jobId,
        AttemptIndex = 0,
        StartedAtMs = (stoppedAtMs ?? Rows.Ms(Rows.Now)) - 600_000,
        StoppedAtMs = stoppedAtMs,
        ExitCode = exitCode,
        StatusReason = statusReason,
        Reason = reason,
    };
}
