using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Networking;
using BatchInsights.Core.Overview;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Recommendations;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static BatchInsights.Tests.Overview.OverviewData;

namespace BatchInsights.Tests.Overview;

public sealed class OverviewQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(Rows.Now);

    private OverviewQueries Queries(string timeZone = "UTC") => OverviewData.Queries(_db.Factory, _clock, timeZone);

    private CostQueries Costs() => new(_db.Factory, Options.Create(new CostOptions()), _clock);

    [Fact]
    public async Task GetAsync_UtcWeeks_EqualCostQueriesForTheSameIsoWeekRanges()
    {
        _db.Add(
            Rollup("etl", "spot-ce", Day(2026, 11, 24), 4_000_000, estimated: 1_000_000),
            Rollup("", "spot-ce", Day(2026, 11, 24), 1_000_000, idle: true),
            Rollup("ml", "od-ce", Day(2026, 11, 22), 6_000_000, CostLifecycle.OnDemand),
            Rollup("etl", "spot-ce", Day(2026, 11, 16), 2_000_000),
            // Before last week: in neither week.
            Rollup("etl", "spot-ce", Day(2026, 11, 15), 9_000_000));

        var s = await Queries().GetAsync(TargetFilter.All);

        var (thisFrom, thisTo) = new IsoWeek(2026, 48).UtcRangeMs(TimeZoneInfo.Utc);
        var (lastFrom, lastTo) = new IsoWeek(2026, 47).UtcRangeMs(TimeZoneInfo.Utc);
        var thisWeek = await Costs().GetAsync(CostGrouping.Queue, thisFrom, thisTo, TargetFilter.All);
        var lastWeek = await Costs().GetAsync(CostGrouping.Queue, lastFrom, lastTo, TargetFilter.All);
        Assert.Equal(("2026-W48", thisFrom, thisTo), (s.ThisWeek.Week, s.ThisWeek.FromMs, s.ThisWeek.ToMs));
        Assert.Equal((thisWeek.TotalUsd, thisWeek.SpotUsd, thisWeek.OnDemandUsd, thisWeek.IdleUsd, thisWeek.EstimatedUsd),
            (s.ThisWeek.TotalUsd, s.ThisWeek.SpotUsd, s.ThisWeek.OnDemandUsd, s.ThisWeek.IdleUsd, s.ThisWeek.EstimatedUsd));
        Assert.Equal((lastWeek.TotalUsd, lastWeek.OnDemandUsd), (s.LastWeek.TotalUsd, s.LastWeek.OnDemandUsd));
        // The idle hour was on a Spot instance: Spot holds it too.
        Assert.Equal((5m, 5m, 1m, 0.2m, 1m), (s.ThisWeek.TotalUsd, s.ThisWeek.SpotUsd, s.ThisWeek.IdleUsd, s.ThisWeek.IdleShare, s.ThisWeek.EstimatedUsd));
        Assert.Equal((8m, 6m, "2026-W47"), (s.LastWeek.TotalUsd, s.LastWeek.OnDemandUsd, s.LastWeek.Week));
    }

    [Fact]
    public async Task GetAsync_BerlinWeeks_CutAtLocalMondayMidnightFromHourlyRollups()
    {
        // Monday 2026-11-23 00:00 in Berlin is 2026-11-22 23:00 UTC: that hour belongs to this week there, to last week in UTC.
        var berlinMonday = new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        _db.Add(
            Rollup("etl", "spot-ce", berlinMonday, 7_000_000, periodHours: 1),
            Rollup("etl", "spot-ce", berlinMonday - 3_600_000, 2_000_000, periodHours: 1),
            Rollup("etl", "spot-ce", Day(2026, 11, 22), 9_000_000));

        var s = await Queries("Europe/Berlin").GetAsync(TargetFilter.All);

        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var (from, to) = new IsoWeek(2026, 48).UtcRangeMs(zone);
        Assert.Equal(berlinMonday, s.ThisWeek.FromMs);
        Assert.Equal((await Costs().GetAsync(CostGrouping.Queue, from, to, TargetFilter.All)).TotalUsd, s.ThisWeek.TotalUsd);
        Assert.Equal(7m, s.ThisWeek.TotalUsd);
        Assert.Equal(2m, s.LastWeek.TotalUsd);
    }

    [Fact]
    public async Task GetAsync_SixQueues_TopFiveByCostLargestFirstWithoutIdle()
    {
        var today = Day(2026, 11, 25);
        _db.Add(Enumerable.Range(1, 6).Select(i => (object)Rollup("q" + i, "ce" + (i % 2), today, i * 1_000_000, tagValue: "team" + (i % 3))).ToArray());
        _db.Add(Rollup("", "ce0", today, 50_000_000, idle: true));

        var top = (await Queries().GetAsync(TargetFilter.All)).Top;

        Assert.Equal(["q6", "q5", "q4", "q3", "q2"], top.Queues.Select(t => t.Key));
        Assert.Equal([6m, 5m, 4m, 3m, 2m], top.Queues.Select(t => t.TotalUsd));
        Assert.Equal(["def-q6", "def-q5", "def-q4", "def-q3", "def-q2"], top.JobDefinitions.Select(t => t.Key));
        // A CE's group holds its idle cost (as on the Costs page grouped by CE).
        Assert.Equal([("ce0", 62m), ("ce1", 9m)], top.ComputeEnvironments.Select(t => (t.Key, t.TotalUsd)));
        Assert.Equal("team", top.TeamTagKey);
        Assert.Equal([("team0", 9m), ("team2", 7m), ("team1", 5m)], top.Teams.Select(t => (t.Key, t.TotalUsd)));
    }

    [Fact]
    public async Task GetAsync_JobsInEveryState_CountsActiveNowAndFinishedOfTheLast24Hours()
    {
        var other = Rows.Job("x1", "q", BatchJobStatus.Running, Rows.Now.AddMinutes(-1));
        other.Account = "other";
        _db.Add(other,
            Rows.Job("r1", "q", BatchJobStatus.Running, Rows.Now.AddMinutes(-10)),
            Rows.Job("r2", "q", BatchJobStatus.Running, Rows.Now.AddDays(-3)),
            Rows.Job("w1", "q", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-5)),
            Rows.Job("s1", "q", BatchJobStatus.Succeeded, Rows.Now.AddHours(-2)),
            Rows.Job("s2", "q", BatchJobStatus.Succeeded, Rows.Now.AddDays(-3)),
            Rows.Job("f1", "q", BatchJobStatus.Failed, Rows.Now.AddHours(-23)));

        var all = await Queries().GetAsync(TargetFilter.All);
        var mine = await Queries().GetAsync(TargetFilter.From(Rows.Account, Rows.Region));

        Assert.Equal([0, 0, 1, 0, 3, 1, 1], all.Jobs.ByStatus.Select(c => c.Count));
        Assert.Equal(BatchJobStatus.All, all.Jobs.ByStatus.Select(c => c.Status));
        Assert.Equal(2, mine.Jobs.ByStatus.Single(c => c.Status == BatchJobStatus.Running).Count);
        Assert.Equal(Rows.Ms(Rows.Now.AddHours(-24)), all.Jobs.FinishedSinceMs);
    }

    [Fact]
    public async Task GetAsync_RunnableOverThreshold_ListsStuckQueueWithTheStuckJobsRulesReason()
    {
        _db.Add(Rows.Ce("big-ce"), Rows.Ce("flaky-ce"), Rows.Queue("big", "big-ce"), Rows.Queue("flaky", "flaky-ce"), Rows.Queue("fine", "big-ce"),
            Rows.Job("b1", "big", BatchJobStatus.Runnable, Rows.Now.AddHours(-2)),
            Rows.Job("b2", "big", BatchJobStatus.Runnable, Rows.Now.AddHours(-1)),
            Rows.Job("l1", "flaky", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-45)),
            Rows.Job("n1", "fine", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-5)));
        // The real rule's findings: "big" waits on a job no m5 holds; "flaky" only has image-pull failures (not a reason to wait).
        var input = RecommendationCases.Input([RecommendationCases.Ce("big-ce", types: ["m5"]), RecommendationCases.Ce("flaky-ce", types: ["m5"])],
                [RecommendationCases.Queue("big", "big-ce"), RecommendationCases.Queue("flaky", "flaky-ce")], [],
                stuck: [new StuckJobFact(Rows.Account, Rows.Region, "big", "b1", "genome", 64, 1_024_000, 0, Rows.Ms(Rows.Now.AddHours(-2)))])
            with { Failures = [new FailureFact(Rows.Account, Rows.Region, "flaky", "image-pull", 5, 1m, "etl")] };
        var findings = new StuckJobsRule().Evaluate(input).ToList();
        var store = new RecommendationStore(_db.Factory, _clock);
        await RecommendationStoreTests.StoreRunAsync(store, [.. findings]);

        var stuck = (await Queries().GetAsync(TargetFilter.All)).StuckQueues;

        Assert.Equal(["big", "flaky"], stuck.Select(q => q.Queue));
        var big = stuck[0];
        Assert.Equal((2, 7200L), (big.RunnableOverThreshold, big.OldestWaitSeconds));
        Assert.Equal(findings.Single(f => f.Target.Name == "big-ce").Title, big.Reason);
        Assert.Contains("fits no allowed instance type", big.Reason, StringComparison.Ordinal);
        var stored = await store.ListLatestAsync(TargetFilter.All);
        Assert.Equal(stored.Single(r => r.Title == big.Reason).Id, big.RecommendationId);
        Assert.Contains(stored, r => r.TargetName == "flaky");
        Assert.Null(stuck[1].Reason);
    }

    [Fact]
    public async Task GetAsync_QueueOnCeWithoutNetworkPath_ReasonIsTheNetworkFinding()
    {
        _db.Add(Rows.Ce("lab-ce"), Rows.Queue("lab", "lab-ce"), Rows.Job("j1", "lab", BatchJobStatus.Runnable, Rows.Now.AddHours(-3)));
        var input = RecommendationCases.Input([RecommendationCases.Ce("lab-ce", types: ["m5"])], [RecommendationCases.Queue("lab", "lab-ce")], [],
                stuck: [new StuckJobFact(Rows.Account, Rows.Region, "lab", "j1", "notebook", 2, 4_096, 0, Rows.Ms(Rows.Now.AddHours(-3)))])
            with { Network = [new NetworkFact(Rows.Account, Rows.Region, "lab-ce", "vpc-1", NetworkPathKind.NoPath, ["ecs", "ecs-agent", "ecs-telemetry"])] };
        var findings = new Recommender([new StuckJobsRule(), new NetworkPathRule()]).Evaluate(input);
        await RecommendationStoreTests.StoreRunAsync(new RecommendationStore(_db.Factory, _clock), [.. findings]);

        var lab = Assert.Single((await Queries().GetAsync(TargetFilter.All)).StuckQueues);

        Assert.Equal("lab", lab.Queue);
        Assert.Equal(findings.Single(f => f.RuleId == NetworkPathRule.RuleId && f.Target.Name == "lab-ce").Title, lab.Reason);
    }

    [Fact]
    public async Task GetAsync_FailedAttemptsOfTheLastWeek_CountedByTheStuckJobsRulesCauses()
    {
        var day = 86_400_000L;
        var now = Rows.Ms(Rows.Now);
        _db.Add(
            Attempt("ok1", now - day, 0), Attempt("ok2", now - (2 * day), 0), Attempt("ok3", now - 3_600_000, 0), Attempt("ok4", now - (6 * day), 0),
            Attempt("spot", now - day, null, statusReason: "Host EC2 (instance i-0abc) terminated."),
            Attempt("oom", now - day, 137, reason: "OutOfMemoryError: Container killed due to memory usage"),
            Attempt("pull", now - day, null, reason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)"),
            Attempt("app1", now - day, 1), Attempt("app2", now - (5 * day), 2),
            // Outside the window, and still running: neither counts.
            Attempt("old", now - (8 * day), 1), Attempt("running", null, null));

        var f = (await Queries().GetAsync(TargetFilter.All)).Failures;

        Assert.Equal((9L, 5L), (f.Attempts, f.Failed));
        Assert.Equal([("exit-code", 2L), ("image-pull", 1L), ("oom-137", 1L), ("spot-reclaim", 1L)],
            f.Causes.Select(c => (c.Cause, c.Count)).OrderBy(c => c.Cause, StringComparer.Ordinal));
        Assert.Equal("exit-code", f.Causes[0].Cause);
        Assert.Equal(2 / 9d, f.Causes[0].Rate, 6);
        Assert.Equal(5 / 9d, f.FailureRate, 6);
        Assert.Equal(now - (7 * day), f.FromMs);
    }

    [Fact]
    public async Task GetAsync_Recommendations_SavingsAvailableSumsOnlyOpenOnesOfTheLatestRun()
    {
        var store = new RecommendationStore(_db.Factory, _clock);
        await RecommendationStoreTests.StoreRunAsync(store, RecommendationStoreTests.Sample("old-run", 1_000m));
        await RecommendationStoreTests.StoreRunAsync(store, RecommendationStoreTests.Sample("a", 120m), RecommendationStoreTests.Sample("b", 50m),
            RecommendationStoreTests.Sample("c", 0m), RecommendationStoreTests.Sample("dismissed", 300m));
        var dismissed = (await store.ListLatestAsync(TargetFilter.All)).Single(r => r.TargetName == "dismissed");
        Assert.True(await store.DismissAsync(dismissed.Id, "later", "alice"));

        var s = await Queries().GetAsync(TargetFilter.All);

        Assert.Equal((170m, 2, 3), (s.SavingsAvailable.MonthlyUsd, s.SavingsAvailable.Count, s.SavingsAvailable.OpenRecommendations));
        Assert.Equal(("a: use r6i.large", 120m), (s.SavingsAvailable.Largest!.Title, s.SavingsAvailable.Largest.MonthlySavingsUsd));
        Assert.Null(s.SavingsRealized);
    }

    [Fact]
    public async Task GetAsync_FailingAndFreshHarvests_ReportsWorstLagAndTheFailingSource()
    {
        _db.Add(
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.AddMinutes(-12).UtcDateTime, EndedAt = Rows.Now.AddMinutes(-10).UtcDateTime, Outcome = HarvestOutcome.Succeeded },
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "spot-prices", StartedAt = Rows.Now.AddHours(-3).UtcDateTime, EndedAt = Rows.Now.AddHours(-3).UtcDateTime, Outcome = HarvestOutcome.Succeeded },
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "spot-prices", StartedAt = Rows.Now.AddMinutes(-5).UtcDateTime, EndedAt = Rows.Now.AddMinutes(-5).UtcDateTime, Outcome = HarvestOutcome.Failed, Error = "boom" });

        var h = (await Queries().GetAsync(TargetFilter.All)).Harvest;

        Assert.Equal(2, h.Sources);
        Assert.Equal(3 * 3600L, h.WorstLagSeconds);
        var problem = Assert.Single(h.Problems);
        Assert.Equal(("spot-prices", HarvestHealth.Failing, "boom"), (problem.Kind, problem.Health, problem.LastError));
    }

    [Fact]
    public async Task GetAsync_EmptyDatabase_HasNoDataAndA30DayTrendOfZeros()
    {
        var s = await Queries().GetAsync(TargetFilter.All);

        Assert.False(s.HasData);
        Assert.Equal(OverviewQueries.TrendDays, s.Trend.Days.Count);
        Assert.All(s.Trend.Days, d => Assert.Equal(0m, d.TotalUsd));
        Assert.Equal(Day(2026, 11, 25), s.Trend.Days[^1].DayStartMs);
        Assert.Empty(s.StuckQueues);
        Assert.Equal(0, s.Failures.Attempts);
    }

    [Fact]
    public async Task GetAsync_CostsOnly_HasDataWithTheTrendByDay()
    {
        _db.Add(Rollup("etl", "ce", Day(2026, 11, 20), 3_000_000), Rollup("ml", "ce", Day(2026, 11, 20), 1_000_000));

        var s = await Queries().GetAsync(TargetFilter.All);

        Assert.True(s.HasData);
        Assert.Equal(4m, s.Trend.Days.Single(d => d.DayStartMs == Day(2026, 11, 20)).TotalUsd);
    }

    public void Dispose() => _db.Dispose();
}
