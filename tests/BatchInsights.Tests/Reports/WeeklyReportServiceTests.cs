using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Costs;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Reports;

/// <summary>The report builder over a real SQLite file: roll-ups made by the real roll-up service, or attempt rows written directly.</summary>
public sealed class WeeklyReportServiceTests : IDisposable
{
    private const long H = 3_600_000;
    private const long D = 86_400_000;

    // Rows.Now is Wednesday 2026-11-25: the current week is 2026-W48 (Monday the 23rd), the one before 2026-W47.
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W48");
    private static readonly long Monday = Week.UtcRangeMs(TimeZoneInfo.Utc).StartMs;

    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(Rows.Now);
    private readonly InstanceCatalog _catalog;

    public WeeklyReportServiceTests() => _catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, _clock);

    public void Dispose() => _db.Dispose();

    private CostQueries Queries() => new(_db.Factory, Options.Create(new CostOptions()), _clock);

    private WeeklyReportService Service(string zone = "UTC") =>
        new(_db.Factory, Queries(), new RecommendationStore(_db.Factory, _clock), _catalog, Options.Create(new CostOptions()),
            Options.Create(new ReportOptions { TimeZone = zone }), _clock);

    private decimal M5Price => _catalog.OnDemandPrice("m5.large", Rows.Region)!.UsdPerHour;

    /// <summary>Last week: one job using all of an instance for 2 h. This week: two jobs sharing one (one OOM-killed), one alone on another.</summary>
    private async Task SeedAndRollUpAsync()
    {
        var lastWeek = Monday - (6 * D);
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"),
            CostRollupServiceTests.Instance("i-0", lastWeek + H, lastWeek + (3 * H)),
            CostRollupServiceTests.Instance("i-1", Monday + H, Monday + (3 * H)),
            CostRollupServiceTests.Instance("i-2", Monday + D + H, Monday + D + (2 * H)));
        Run("p", "i-0", lastWeek + H, lastWeek + (3 * H), 2, 1024);
        Run("a", "i-1", Monday + H, Monday + (3 * H), 1, 1024);                    // half of the vCPUs for 2 h
        Run("b", "i-1", Monday + H, Monday + (2 * H), 0.25, 4096, exitCode: 137, withPlacement: false);  // half the memory for 1 h, killed
        Run("c", "i-2", Monday + D + H, Monday + D + (2 * H), 2, 1024);             // all of it for 1 h
        var rollup = new CostRollupService(_db.Factory, _catalog, Options.Create(new CostOptions()), _clock, NullLogger<CostRollupService>.Instance);
        await rollup.RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
    }

    private void Run(string jobId, string instanceId, long start, long stop, double vcpus, long memoryMib, int? exitCode = 0, bool withPlacement = true)
    {
        var (job, attempt, placement) = CostRollupServiceTests.RanOn(jobId, instanceId, start, stop, vcpus, memoryMib, Rows.Now);
        attempt.ExitCode = exitCode;
        _db.Add(withPlacement ? [job, attempt, placement] : [job, attempt]);
    }

    private async Task<CostReport> ApiAsync(string groupBy, long from, long to)
    {
        var result = await CostEndpoints.GetCostsAsync(Queries(), groupBy, from.ToString(System.Globalization.CultureInfo.InvariantCulture),
            to.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, CancellationToken.None);
        return Assert.IsType<Ok<CostReport>>(result.Result).Value!;
    }

    [Fact]
    public async Task BuildAsync_WeekNotYetRolledUpToItsEnd_IsProvisionalUntilCostsCatchUp()
    {
        // Wednesday of W48: the roll-up has run up to "now", so the week's costs can still grow.
        await SeedAndRollUpAsync();
        var service = Service();

        var early = await service.BuildReportAsync(Week);
        var earlyMail = await service.RenderAsync(Week);

        Assert.True(early.Provisional);
        Assert.Equal(Rows.Ms(Rows.Now), early.CostsCompleteThroughMs);
        Assert.EndsWith("— provisional", earlyMail!.Subject, StringComparison.Ordinal);
        Assert.Contains("Provisional: costs were rolled up only to 2026-11-25", earlyMail.Html, StringComparison.Ordinal);
        Assert.StartsWith("Provisional:", earlyMail.TextSummary, StringComparison.Ordinal);
        Assert.NotNull(earlyMail.ProvisionalNote);

        // Next Monday, after the roll-up ran again, the rebuilt week is final.
        _clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(Week.UtcRangeMs(TimeZoneInfo.Utc).EndMs).AddHours(8));
        await new CostRollupService(_db.Factory, _catalog, Options.Create(new CostOptions()), _clock, NullLogger<CostRollupService>.Instance)
            .RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        var final = await service.BuildReportAsync(Week);

        Assert.False(final.Provisional);
        Assert.Null((await service.RenderAsync(Week))!.ProvisionalNote);
        Assert.Equal(early.Totals.TotalUsd, final.Totals.TotalUsd);
    }

    [Fact]
    public async Task BuildReportAsync_SameWeek_ReconcilesWithTheCostsApi()
    {
        await SeedAndRollUpAsync();

        var report = await Service().BuildReportAsync(Week);

        var (from, to) = Week.UtcRangeMs(TimeZoneInfo.Utc);
        var byQueue = await ApiAsync("queue", from, to);
        Assert.Equal(M5Price * 3m, byQueue.TotalUsd); // i-1 for 2 h, i-2 for 1 h
        Assert.Equal(byQueue.TotalUsd, report.Totals.TotalUsd);
        Assert.Equal((byQueue.SpotUsd, byQueue.OnDemandUsd, byQueue.FargateUsd, byQueue.IdleUsd), (report.Totals.SpotUsd, report.Totals.OnDemandUsd, report.Totals.FargateUsd, report.Totals.IdleUsd));
        foreach (var (grouping, groupBy) in new[] { ("queue", "queue"), ("ce", "ce"), ("definition", "definition"), ("tag:team", "tag:team"), ("tag:project", "tag:project") })
        {
            var api = await ApiAsync(groupBy, from, to);
            var table = report.Groups.Single(g => g.Grouping == grouping);
            Assert.Equal(api.Groups.Select(g => (g.Key, g.TotalUsd, g.IdleUsd)), table.Rows.Select(r => (r.Key, r.TotalUsd, r.IdleUsd)));
        }

        Assert.Equal(7, report.Days.Count);
        Assert.Equal(report.Totals.TotalUsd, report.Days.Sum(d => d.TotalUsd));
        Assert.Equal([M5Price * 2m, M5Price], report.Days.Take(2).Select(d => d.TotalUsd)); // Monday holds i-1 with its idle part
        var ceIdle = (await ApiAsync("ce", from, to)).Groups.Single(g => g.Key == "ce").IdleUsd;
        Assert.Equal(M5Price * 0.5m, ceIdle);
        Assert.Equal(ceIdle, Assert.Single(report.IdleByComputeEnvironment).IdleUsd);
    }

    [Fact]
    public async Task BuildReportAsync_BerlinZone_ReconcilesWithTheCostsApiForTheLocalWeek()
    {
        await SeedAndRollUpAsync();
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var report = await Service("Europe/Berlin").BuildReportAsync(Week);

        var (from, to) = Week.UtcRangeMs(berlin);
        Assert.Equal((from, to), (report.FromMs, report.ToMs));
        Assert.Equal(Monday - H, from); // Monday 00:00 CET is Sunday 23:00 UTC
        var api = await ApiAsync("queue", from, to);
        Assert.Equal(1, api.PeriodHours);
        Assert.Equal(api.TotalUsd, report.Totals.TotalUsd);
        Assert.Equal(report.Totals.TotalUsd, report.Days.Sum(d => d.TotalUsd));
    }

    [Fact]
    public async Task BuildReportAsync_WeekOverWeek_PreviousWeekFromTheSameQueriesAndChangePerGroup()
    {
        await SeedAndRollUpAsync();

        var report = await Service().BuildReportAsync(Week);

        var (prevFrom, prevTo) = Week.Previous().UtcRangeMs(TimeZoneInfo.Utc);
        Assert.Equal("2026-W47", report.PreviousWeek);
        Assert.Equal((await ApiAsync("queue", prevFrom, prevTo)).TotalUsd, report.PreviousTotals.TotalUsd);
        Assert.Equal(M5Price * 2m, report.PreviousTotals.TotalUsd);
        Assert.Equal(50.0m, report.ChangePercent); // 3 instance-hours against 2
        var q = report.Groups.Single(g => g.Grouping == "queue").Rows.Single(r => r.Key == "q");
        Assert.Equal((M5Price * 2.5m, M5Price * 2m, 25.0m), (q.TotalUsd, q.PreviousUsd, q.ChangePercent!.Value)); // attempts only: idle is its own group
        Assert.Contains("(+50% vs W47)", ReportRenderer.Subject(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildReportAsync_RolledUpWeek_TopJobsAndOomFailureCost()
    {
        await SeedAndRollUpAsync();

        var report = await Service().BuildReportAsync(Week);

        Assert.Equal(["a", "c", "b"], report.TopJobs.Select(j => j.JobId)); // a and c cost one instance-hour each; ties by id
        Assert.Equal([M5Price, M5Price, M5Price * 0.5m], report.TopJobs.Select(j => j.CostUsd));
        Assert.Equal("job-a", report.TopJobs[0].JobName);
        var oom = Assert.Single(report.Failures);
        Assert.Equal(("oom-137", 1, M5Price * 0.5m, "q"), (oom.Cause, oom.Attempts, oom.CostUsd, oom.TopQueue));
    }

    [Fact]
    public async Task BuildReportAsync_ManyJobs_Top20ByCostOfAttemptsStartedInTheWeek()
    {
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 1_000_000));
        _db.Add(Attempt("big", 0, Monday + H, 1_000_000), Attempt("big", 1, Monday + (2 * H), 2_000_000), Attempt("mid", 0, Monday + H, 2_500_000),
            Attempt("last-week", 0, Monday - H, 9_000_000), Attempt("next-week", 0, Monday + (7 * D), 9_000_000));
        _db.Add(Enumerable.Range(0, 25).Select(i => (object)Attempt($"small-{i:D2}", 0, Monday + (3 * D), 10_000 + i)).ToArray());

        var report = await Service().ComputeAsync(Week, TimeZoneInfo.Utc);

        Assert.Equal(20, report.TopJobs.Count);
        Assert.Equal(("big", 2, 3.0m), (report.TopJobs[0].JobId, report.TopJobs[0].Attempts, report.TopJobs[0].CostUsd));
        Assert.Equal("mid", report.TopJobs[1].JobId);
        Assert.Equal("small-24", report.TopJobs[2].JobId);
        Assert.DoesNotContain(report.TopJobs, j => j.JobId.EndsWith("-week", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BuildReportAsync_FailedAttempts_CostGroupedByTheStuckJobsRuleCauses()
    {
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 1_000_000));
        Failed("oom", 137, null, 1_000_000);
        Failed("reclaimed", null, "Host EC2 (instance i-0abc) terminated.", 2_000_000);
        Failed("pull", null, "CannotPullContainerError: pull image manifest has been retried", 500_000);
        Failed("app", 1, "Essential container in task exited", 250_000);
        Failed("ok", 0, null, 5_000_000);
        Failed("old", 1, null, 7_000_000, Monday - D);

        var report = await Service().ComputeAsync(Week, TimeZoneInfo.Utc);

        Assert.Equal(
            [("spot-reclaim", "Spot reclaim", 2.0m), ("oom-137", "Out of memory (137)", 1.0m), ("image-pull", "Image pull", 0.5m), ("exit-code", "Application exit code", 0.25m)],
            report.Failures.Select(f => (f.Cause, f.Label, f.CostUsd)));
    }

    [Fact]
    public async Task BuildReportAsync_SpotAttempts_SavingsAgainstOnDemandPriceOfTheSameInstanceHours()
    {
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 1_000_000));
        var spot = Attempt("s", 0, Monday + H, 50_000, durationMs: 2 * H, lifecycle: CostLifecycle.Spot);
        spot.Share = 0.5;
        var unknownType = Attempt("u", 0, Monday + H, 70_000, lifecycle: CostLifecycle.Spot);
        unknownType.InstanceType = "zz.unknown";
        _db.Add(spot, unknownType, Attempt("od", 0, Monday + H, 90_000));

        var savings = (await Service().ComputeAsync(Week, TimeZoneInfo.Utc)).SpotSavings;

        Assert.Equal(0.05m, savings.SpotUsd);
        Assert.Equal(M5Price, savings.OnDemandEquivalentUsd); // half of an m5.large for 2 h
        Assert.Equal(M5Price - 0.05m, savings.SavingsUsd);
        Assert.Equal(0.07m, savings.UnpricedSpotUsd);
        Assert.Equal(2, savings.Attempts);
    }

    [Fact]
    public async Task BuildAsync_Twice_OneStoredRowReplacedAndArchiveNewestFirst()
    {
        var service = Service();
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 1_000_000));

        await service.BuildAsync(Week.Previous());
        await service.BuildAsync(Week);
        _db.Add(CostsPageTests.Rollup("q2", "ce", Monday, 2_000_000));
        _clock.Advance(TimeSpan.FromHours(1));
        await service.BuildAsync(Week);

        var archive = await service.ListAsync();
        Assert.Equal(["2026-W48", "2026-W47"], archive.Select(w => w.Week));
        Assert.Equal((3.0m, Rows.Now.AddHours(1).UtcDateTime), (archive[0].TotalUsd, archive[0].BuiltAt));
        Assert.Equal(3.0m, (await service.GetAsync(Week))!.Totals.TotalUsd);
        Assert.Null(await service.GetAsync(IsoWeek.Parse("2026-W40")));
        Assert.Null(await service.RenderAsync(IsoWeek.Parse("2026-W40")));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(2, await db.WeeklyReports.CountAsync());
        Assert.Equal(WeeklyReport.CurrentSchemaVersion, (await db.WeeklyReports.SingleAsync(r => r.Week == "2026-W48")).SchemaVersion);
    }

    [Fact]
    public async Task RenderAsync_BuiltWeek_SubjectFromStoredNumbersAndCeChangesNote()
    {
        // The cost roll-up has passed the week's end, so the report is final.
        var end = Week.UtcRangeMs(TimeZoneInfo.Utc).EndMs;
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 12_345_670_000),
            new HarvestWatermarkRow { Account = Rows.Account, Region = Rows.Region, Scope = CostRollupService.WatermarkScope, ValueMs = end + 1, UpdatedAt = DateTime.UnixEpoch });
        var service = Service();
        await service.BuildAsync(Week);

        var rendered = await service.RenderAsync(Week);

        Assert.NotNull(rendered);
        Assert.Equal("BatchInsights weekly cost report 2026-W48: $12,346 (no spend in W47)", rendered.Subject);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(WeeklyReportService.NoChangesNote), rendered.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildReportAsync_OpenRecommendations_ListedWithSavingsDismissedLeftOut()
    {
        _db.Add(CostsPageTests.Rollup("q", "ce", Monday, 1_000_000));
        var store = new RecommendationStore(_db.Factory, _clock);
        var run = await store.StartRunAsync();
        var target = new RecommendationTarget(Rows.Account, Rows.Region, RecommendationTargetKind.ComputeEnvironment, "ce");
        Recommendation Rec(string title, decimal monthly) => new("instance-types", target, title, "summary", [], new SavingsEstimate(monthly, monthly, monthly),
            RecommendationConfidence.High, RecommendationSeverity.Warning, [], [], title);
        await store.CompleteRunAsync(run, [Rec("cheap", 10m), Rec("dear", 300m), Rec("dismissed", 999m)], 0);
        var dismissed = (await store.ListLatestAsync(TargetFilter.All)).Single(r => r.Title == "dismissed");
        await store.DismissAsync(dismissed.Id, "not now", "test");

        var recs = (await Service().ComputeAsync(Week, TimeZoneInfo.Utc)).Recommendations;

        Assert.Equal((2, 310m), (recs.OpenCount, recs.MonthlySavingsUsd));
        Assert.Equal(["dear", "cheap"], recs.Top.Select(r => r.Title));
    }

    private static AttemptCostRow Attempt(string jobId, int index, long start, long micros, long durationMs = H, string lifecycle = CostLifecycle.OnDemand) => new()
    {
        Account = Rows.Account, Region = Rows.Region, JobId = jobId, AttemptIndex = index, ComputeEnvironment = "ce", QueueName = "q", JobDefinition = "def",
        StartedAtMs = start, StoppedAtMs = start + durationMs, InstanceId = "i-1", InstanceType = "m5.large", Lifecycle = lifecycle, Share = 1, CostMicroUsd = micros,
    };

    private void Failed(string jobId, int? exitCode, string? reason, long micros, long? start = null)
    {
        var at = start ?? Monday + (2 * D);
        _db.Add(Attempt(jobId, 0, at, micros), new JobAttemptRow
        {
            Account = Rows.Account, Region = Rows.Region, JobId = jobId, AttemptIndex = 0, StartedAtMs = at, StoppedAtMs = at + H, ExitCode = exitCode, StatusReason = reason,
        });
    }
}
