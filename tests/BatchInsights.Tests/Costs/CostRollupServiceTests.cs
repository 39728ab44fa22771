using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Costs;

/// <summary>The roll-up service over a real SQLite file with hand-made harvest rows.</summary>
public sealed class CostRollupServiceTests : IDisposable
{
    internal const long H = 3_600_000;
    internal static readonly long Day0 = CostLedger.DayStart(Rows.Ms(Rows.Now)) - (2 * 86_400_000L);

    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(Rows.Now);

    public void Dispose() => _db.Dispose();

    private CostRollupService Service() =>
        new(_db.Factory, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, _clock), Options.Create(new CostOptions()), _clock, NullLogger<CostRollupService>.Instance);

    internal static Ec2InstanceRow Instance(string id, long start, long end, string lifecycle = "on-demand") => new()
    {
        Account = Rows.Account, Region = Rows.Region, InstanceId = id, ComputeEnvironmentName = "ce", InstanceType = "m5.large",
        AvailabilityZone = "us-east-1a", Lifecycle = lifecycle, LaunchTimeMs = start, FirstSeenMs = start, LastSeenMs = end, State = "terminated", TerminatedAtMs = end,
    };

    internal static (JobRow Job, JobAttemptRow Attempt, ContainerInstanceRow Placement) RanOn(string jobId, string instanceId, long start, long stop, double vcpus, long memoryMib, DateTimeOffset harvestedAt)
    {
        var job = Rows.Job(jobId, "q", "SUCCEEDED", DateTimeOffset.FromUnixTimeMilliseconds(start));
        job.StartedAtMs = start;
        job.StoppedAtMs = stop;
        job.Vcpus = vcpus;
        job.MemoryMib = memoryMib;
        job.TagsJson = "{\"team\":\"red\"}";
        job.HarvestedAt = harvestedAt.UtcDateTime;
        var arn = "arn:aws:ecs:us-east-1:1:container-instance/c/" + instanceId;
        var attempt = new JobAttemptRow { Account = Rows.Account, Region = Rows.Region, JobId = jobId, AttemptIndex = 0, StartedAtMs = start, StoppedAtMs = stop, ContainerInstanceArn = arn };
        var placement = new ContainerInstanceRow
        {
            Account = Rows.Account, Region = Rows.Region, ContainerInstanceArn = arn, ClusterName = "c", Status = ContainerInstanceStatus.Mapped,
            Ec2InstanceId = instanceId, InstanceType = "m5.large", AvailabilityZone = "us-east-1a", DescribedAtMs = Rows.Ms(harvestedAt),
        };
        return (job, attempt, placement);
    }

    private void AddRun(string jobId, string instanceId, long start, long stop, double vcpus, long memoryMib, DateTimeOffset harvestedAt, bool withPlacement = true)
    {
        var (job, attempt, placement) = RanOn(jobId, instanceId, start, stop, vcpus, memoryMib, harvestedAt);
        _db.Add(withPlacement ? [job, attempt, placement] : [job, attempt]);
    }

    private async Task<List<CostRollupRow>> DailyAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        return await db.CostRollups.AsNoTracking().Where(r => r.PeriodHours == 24 && r.TagKey == "team").OrderBy(r => r.PeriodStartMs).ThenBy(r => r.IsIdle).ToListAsync();
    }

    [Fact]
    public async Task RunAsync_TwoJobsOnOneOnDemandInstance_ChargesSharesAndIdleAtCatalogPrice()
    {
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"), Instance("i-1", Day0 + H, Day0 + (3 * H)));
        AddRun("a", "i-1", Day0 + H, Day0 + (3 * H), 1, 1024, Rows.Now);      // half of the vCPUs for 2 h
        AddRun("b", "i-1", Day0 + H, Day0 + (2 * H), 0.25, 4096, Rows.Now, withPlacement: false);   // half the memory for 1 h
        var price = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, _clock).OnDemandPrice("m5.large", Rows.Region)!.UsdPerHour;

        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        await using var db = await _db.Factory.CreateDbContextAsync();
        var costs = await db.AttemptCosts.AsNoTracking().OrderBy(a => a.JobId).ToListAsync();
        Assert.Equal([CostLedger.ToMicros(price), CostLedger.ToMicros(price * 0.5m)], costs.Select(c => c.CostMicroUsd));
        Assert.All(costs, c => Assert.False(c.Estimated));
        var daily = await DailyAsync();
        Assert.Equal(CostLedger.ToMicros(price * 2), daily.Sum(r => r.CostMicroUsd));
        Assert.Equal(CostLedger.ToMicros(price * 0.5m), daily.Single(r => r.IsIdle).CostMicroUsd);
        Assert.Equal("red", daily.First(r => !r.IsIdle).TagValue);
    }

    [Fact]
    public async Task RunAsync_NewJobNextDay_RecomputesOnlyThatDay()
    {
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"), Instance("i-1", Day0 + H, Day0 + (2 * H)));
        AddRun("a", "i-1", Day0 + H, Day0 + (2 * H), 2, 1024, Rows.Now.AddHours(-30));
        var first = await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        var before = await DailyAsync();

        _clock.Advance(TimeSpan.FromHours(1));
        var day1 = Day0 + 86_400_000;
        var i2 = Instance("i-2", day1 + H, day1 + (2 * H));
        i2.LastSeenMs = Rows.Ms(_clock.GetUtcNow());
        i2.FirstSeenMs = i2.LastSeenMs; // as the instance harvest writes a row it sees for the first time
        _db.Add(i2);
        AddRun("b", "i-2", day1 + H, day1 + (2 * H), 2, 1024, _clock.GetUtcNow());
        var second = await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        Assert.Equal(Day0, first.WindowStartMs);
        Assert.Equal(day1, second.WindowStartMs);
        Assert.Equal(day1 + 86_400_000, second.WindowEndMs);
        var after = await DailyAsync();
        Assert.Equal(before.Select(r => (r.PeriodStartMs, r.CostMicroUsd)), after.Where(r => r.PeriodStartMs == Day0).Select(r => (r.PeriodStartMs, r.CostMicroUsd)));
        Assert.Equal(after.Where(r => r.PeriodStartMs == Day0).Sum(r => r.CostMicroUsd), after.Where(r => r.PeriodStartMs == day1).Sum(r => r.CostMicroUsd));
        Assert.DoesNotContain(after, r => r.IsIdle); // both jobs reserved their whole instance
    }

    [Fact]
    public async Task RunAsync_NewAttemptOnLongRunningInstance_RewritesOnlyTodayAndMatchesAFromScratchRun()
    {
        // An On-Demand instance running for three days (launched on day 0, still running "now"), a job on each day.
        var day1 = Day0 + 86_400_000;
        var today = day1 + 86_400_000;
        var longRunning = Instance("i-long", Day0 + H, Rows.Ms(Rows.Now));
        (longRunning.State, longRunning.TerminatedAtMs, longRunning.FirstSeenMs) = ("running", null, Day0 + H);
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"), longRunning);
        AddRun("a", "i-long", Day0 + (2 * H), Day0 + (5 * H), 1, 1024, Rows.Now.AddHours(-40));
        AddRun("b", "i-long", day1 + H, day1 + (3 * H), 1, 1024, Rows.Now.AddHours(-20), withPlacement: false);
        AddRun("c", "i-long", today + H, today + (2 * H), 1, 1024, Rows.Now.AddHours(-5), withPlacement: false);
        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        var before = await AllRowsAsync();

        // An hour later: the instance harvest saw i-long again (LastSeenMs moves on), one new attempt ran on it.
        _clock.Advance(TimeSpan.FromHours(1));
        var later = Rows.Ms(_clock.GetUtcNow());
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            await db.Ec2Instances.Where(i => i.InstanceId == "i-long").ExecuteUpdateAsync(u => u.SetProperty(i => i.LastSeenMs, later));
        }

        AddRun("d", "i-long", later - (50 * 60_000), later - (20 * 60_000), 2, 1024, _clock.GetUtcNow(), withPlacement: false);
        var second = await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        var after = await AllRowsAsync();

        Assert.Equal((today, today + 86_400_000), (second.WindowStartMs, second.WindowEndMs));
        Assert.Equal(2, second.Attempts); // c and d: a and b ran on the days left alone
        Assert.Equal(before.Rollups.Where(r => r.StartsWith("24 " + Day0, StringComparison.Ordinal) || r.StartsWith("24 " + day1, StringComparison.Ordinal)),
            after.Rollups.Where(r => r.StartsWith("24 " + Day0, StringComparison.Ordinal) || r.StartsWith("24 " + day1, StringComparison.Ordinal)));
        Assert.NotEqual(before.Rollups, after.Rollups); // today's idle shrank and d's cost appeared
        Assert.Contains(after.Attempts, a => a.StartsWith("d/0 ", StringComparison.Ordinal));

        // From scratch: the same rows.
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            await db.AttemptCosts.ExecuteDeleteAsync();
            await db.CostRollups.ExecuteDeleteAsync();
            await db.HarvestWatermarks.ExecuteDeleteAsync();
        }

        var full = await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        Assert.Equal(Day0, full.WindowStartMs);
        var scratch = await AllRowsAsync();
        Assert.Equal(scratch.Attempts, after.Attempts);
        Assert.Equal(scratch.Rollups, after.Rollups);
    }

    [Fact]
    public async Task RunAsync_HarvestStillRunning_ItsRowsCommittedLaterAreCostedNextRun()
    {
        // A Batch harvest started 5 min before the cost run and commits its jobs (stamped with its own "now") after it.
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"), Instance("i-1", Day0 + H, Day0 + (2 * H)),
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.AddMinutes(-5).UtcDateTime, Outcome = HarvestOutcome.Running });
        AddRun("a", "i-1", Day0 + H, Day0 + (2 * H), 2, 1024, Rows.Now.AddHours(-30));
        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        var day1 = Day0 + 86_400_000;
        var i2 = Instance("i-2", day1 + H, day1 + (2 * H));
        (i2.FirstSeenMs, i2.LastSeenMs) = (Rows.Ms(Rows.Now.AddMinutes(-4)), Rows.Ms(Rows.Now.AddMinutes(-4)));
        _db.Add(i2);
        AddRun("late", "i-2", day1 + H, day1 + (2 * H), 2, 1024, Rows.Now.AddMinutes(-4));
        _clock.Advance(TimeSpan.FromHours(1));
        var second = await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        Assert.Equal(day1, second.WindowStartMs);
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.True(await db.AttemptCosts.AnyAsync(a => a.JobId == "late" && a.CostMicroUsd > 0));
    }

    private async Task<(List<string> Attempts, List<string> Rollups)> AllRowsAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var attempts = (await db.AttemptCosts.AsNoTracking().ToListAsync())
            .Select(a => $"{a.JobId}/{a.AttemptIndex} {a.InstanceId} {a.StartedAtMs} {a.StoppedAtMs} {a.CostMicroUsd} {a.Share} {a.Estimated}").Order(StringComparer.Ordinal).ToList();
        var rollups = (await db.CostRollups.AsNoTracking().ToListAsync())
            .Select(r => $"{r.PeriodHours} {r.PeriodStartMs} {r.ComputeEnvironment} {r.QueueName} {r.TagKey}={r.TagValue} {r.IsIdle} {r.CostMicroUsd} {r.Attempts}").Order(StringComparer.Ordinal).ToList();
        return (attempts, rollups);
    }

    [Fact]
    public async Task RunAsync_UnknownInstance_EstimatesWithCheapestFittingTypeOfTheQueueCe()
    {
        var ce = Rows.Ce("ce");
        _db.Add(ce, Rows.Queue("q", "ce"));
        var (job, attempt, _) = RanOn("lost", "i-gone", Day0 + H, Day0 + (2 * H), 2, 4096, Rows.Now);
        attempt.ContainerInstanceArn = null;
        _db.Add(job, attempt);
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, _clock);

        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        await using var db = await _db.Factory.CreateDbContextAsync();
        var cost = await db.AttemptCosts.AsNoTracking().SingleAsync();
        Assert.True(cost.Estimated);
        Assert.Equal("m5.large", cost.InstanceType); // cheaper than c5.xlarge and fits 2 vCPU / 4 GiB
        Assert.Equal("ce-cheapest-fitting-type", cost.EstimateBasis);
        Assert.Equal(CostLedger.ToMicros(catalog.OnDemandPrice("m5.large", Rows.Region)!.UsdPerHour), cost.CostMicroUsd);
        Assert.Equal(cost.CostMicroUsd, (await DailyAsync()).Sum(r => r.EstimatedMicroUsd));
    }

    [Fact]
    public async Task RunAsync_RunningJobThenItsAttemptArrives_EstimateIsReplacedByTheAttemptCost()
    {
        _db.Add(Rows.Ce("ce"), Rows.Queue("q", "ce"), Instance("i-1", Day0 + H, Day0 + (3 * H)));
        var running = Rows.Job("r", "q", "RUNNING", DateTimeOffset.FromUnixTimeMilliseconds(Day0 + H));
        running.StartedAtMs = Day0 + H;
        running.Vcpus = 2;
        running.MemoryMib = 1024;
        _db.Add(running);
        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var estimate = await db.AttemptCosts.AsNoTracking().SingleAsync();
            Assert.Equal((-1, true), (estimate.AttemptIndex, estimate.Estimated));
            Assert.StartsWith("no-attempt-record", estimate.EstimateBasis, StringComparison.Ordinal);
        }

        // The job finished: the harvest updates the job and stores its attempt on i-1.
        _clock.Advance(TimeSpan.FromMinutes(30));
        var (_, attempt, placement) = RanOn("r", "i-1", Day0 + H, Day0 + (3 * H), 2, 1024, _clock.GetUtcNow());
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var job = await db.Jobs.SingleAsync(j => j.JobId == "r");
            job.Status = "SUCCEEDED";
            job.StoppedAtMs = Day0 + (3 * H);
            job.HarvestedAt = _clock.GetUtcNow().UtcDateTime;
            db.AddRange(attempt, placement);
            await db.SaveChangesAsync();
        }

        await Service().RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var cost = await db.AttemptCosts.AsNoTracking().SingleAsync();
            Assert.Equal((0, false, "i-1"), (cost.AttemptIndex, cost.Estimated, cost.InstanceId));
        }
    }

    [Fact]
    public void ValidateCostOptions_BadCronAndDuplicateKeys_NamesTheKeys()
    {
        var result = new ValidateCostOptions().Validate(null, new CostOptions { Cron = "every minute", TagKeys = ["team", "team"] });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Costs:Cron", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Costs:TagKeys", StringComparison.Ordinal));
    }
}
