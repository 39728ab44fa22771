using BatchInsights.Sandbox.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Sandbox;

public sealed class SimulationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static (BatchAccount Account, FakeTimeProvider Clock) NewAccount(int? seed = null, long? target = null)
    {
        var clock = new FakeTimeProvider(Start);
        var scenario = ScenarioLoader.Load(null);
        if (target is not null) scenario = scenario with { TargetJobCount = target };
        return (new BatchAccount(scenario, clock, seed), clock);
    }

    private static int Rank(JobState s) => (int)s;

    [Fact]
    public void Constructor_DefaultScenario_HoldsAtLeastFiftyThousandJobsOfHistory()
    {
        var (account, clock) = NewAccount();
        using var _ = account;

        var count = account.CountJobsCreatedBy(clock.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.InRange(count, 50_000, 80_000);
        Assert.Equal(clock.GetUtcNow().AddDays(-30).ToUnixTimeMilliseconds() / 60_000, account.OriginMs / 60_000);
    }

    [Fact]
    public void DescribeJobs_ClockAdvances_StatusNeverGoesBackwardsAndTerminalJobsNeverChange()
    {
        var (account, clock) = NewAccount();
        using var _ = account;
        var ids = account.JobIdsCreatedBy(account.NowMs, step: 7);
        var before = account.DescribeJobs(ids).ToDictionary(j => j.JobId);

        clock.Advance(TimeSpan.FromHours(3));
        var after = account.DescribeJobs(ids).ToDictionary(j => j.JobId);

        Assert.Equal(before.Count, after.Count);
        var moved = 0;
        foreach (var (id, b) in before)
        {
            var a = after[id];
            Assert.True(Rank(a.Status) >= Rank(b.Status), $"{id}: {b.Status} -> {a.Status}");
            if (b.Status is JobState.Succeeded or JobState.Failed)
            {
                Assert.Equal(b.Status, a.Status);
                Assert.Equal(b.StoppedAt, a.StoppedAt);
                Assert.Equal(b.Attempts, a.Attempts);
            }

            if (a.Status != b.Status) moved++;
        }

        Assert.True(moved > 0, "three hours later some job should have progressed");
    }

    [Fact]
    public void DescribeJobs_AnyJob_TimesAreOrdered()
    {
        var (account, _) = NewAccount();
        using var __ = account;

        var jobs = account.DescribeJobs(account.JobIdsCreatedBy(account.NowMs, step: 5).Take(20_000).ToList());

        foreach (var j in jobs)
        {
            if (j.StartedAt is { } started) Assert.True(j.CreatedAt <= started, j.JobId);
            if (j.StoppedAt is { } stopped)
            {
                Assert.True((j.StartedAt ?? j.CreatedAt) <= stopped, j.JobId);
            }

            long previousStop = j.CreatedAt;
            foreach (var a in j.Attempts)
            {
                Assert.True(previousStop <= a.StartedAt && a.StartedAt <= a.StoppedAt, j.JobId);
                previousStop = a.StoppedAt;
            }

            Assert.True(j.CreatedAt <= account.NowMs);
        }
    }

    [Fact]
    public void DescribeJobs_FinishedJobs_AttemptExitCodesMatchStatus()
    {
        var (account, _) = NewAccount();
        using var __ = account;

        var jobs = account.DescribeJobs(account.JobIdsCreatedBy(account.NowMs, step: 3))
            .Where(j => j.Kind != JobKind.ArrayParent && j.Status is JobState.Succeeded or JobState.Failed).ToList();

        Assert.NotEmpty(jobs);
        foreach (var j in jobs)
        {
            Assert.NotEmpty(j.Attempts);
            Assert.Equal(j.Attempts[^1].ExitCode, j.ExitCode);
            // Every attempt but the last failed, or the job would have stopped there.
            Assert.All(j.Attempts.Take(j.Attempts.Count - 1), a => Assert.NotEqual(0, a.ExitCode));
            if (j.Status == JobState.Succeeded) Assert.Equal(0, j.ExitCode);
            else Assert.NotEqual(0, j.ExitCode);
        }

        var attempts = jobs.SelectMany(j => j.Attempts).ToList();
        Assert.Contains(attempts, a => a.ExitCode == 137 && a.Reason!.StartsWith("OutOfMemoryError", StringComparison.Ordinal));
        var reclaims = attempts.Where(a => a.StatusReason.StartsWith("Host EC2 (instance i-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(reclaims);
        Assert.All(reclaims, a => Assert.Null(a.ExitCode));
        Assert.All(reclaims, a => Assert.Contains("AWSBatch-spot-", a.ContainerInstanceArn, StringComparison.Ordinal));
        // A reclaimed attempt is retried.
        Assert.Contains(jobs, j => j.Attempts.Count > 1 && j.Attempts[0].StatusReason.StartsWith("Host EC2", StringComparison.Ordinal));
    }

    [Fact]
    public void ListJobs_JobLargerThanAnyAllowedInstance_StaysRunnableForever()
    {
        var (account, clock) = NewAccount();
        using var _ = account;
        var query = new ListJobsQuery("batch-spot-optimal", null, null, null, 100, null, [new ListJobsFilter("JOB_DEFINITION", ["genome-assembly-xl"])]);
        var before = account.ListJobs(query).Jobs;

        clock.Advance(TimeSpan.FromDays(7));
        var after = account.ListJobs(query).Jobs;

        Assert.NotEmpty(before);
        Assert.True(after.Count >= before.Count);
        Assert.All(after.Where(j => j.CreatedAt < account.NowMs - 3_600_000), j =>
        {
            Assert.Equal(JobState.Runnable, j.Status);
            Assert.StartsWith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", j.StatusReason, StringComparison.Ordinal);
            Assert.Null(j.StartedAt);
        });
    }

    [Fact]
    public void UpdateComputeEnvironment_LargerInstanceTypes_StuckJobsStartFromThenOn()
    {
        var (account, clock) = NewAccount();
        using var _ = account;
        var query = new ListJobsQuery("batch-spot-optimal", null, null, "RUNNABLE", 1000, null, []);
        var stuck = account.ListJobs(query).Jobs.Where(j => j.Definition.Name == "genome-assembly-xl").Select(j => j.JobId).ToList();
        var updateTime = account.NowMs;

        var error = account.UpdateComputeEnvironment(account.FindComputeEnvironment("spot-optimal")!, null, ["optimal", "x2iedn.32xlarge"], null, null, null, null, null);
        var rightAfter = account.DescribeJobs(stuck);
        clock.Advance(TimeSpan.FromHours(1));
        var hourLater = account.DescribeJobs(stuck);

        Assert.Null(error);
        Assert.NotEmpty(stuck);
        Assert.All(rightAfter, j => Assert.Equal(JobState.Runnable, j.Status));
        Assert.All(hourLater, j => Assert.True(j.Status >= JobState.Starting, $"{j.JobId} is {j.Status}"));
        Assert.All(hourLater, j => Assert.True(j.StartedAt is null || j.StartedAt > updateTime));
    }

    [Fact]
    public void UpdateComputeEnvironment_DesiredBelowCurrent_IsRejectedWithAwsMessage()
    {
        var (account, _) = NewAccount();
        using var __ = account;

        var error = account.UpdateComputeEnvironment(account.FindComputeEnvironment("od-general")!, null, null, null, 4, null, null, null);

        Assert.StartsWith("Manually scaling down compute environment is not supported.", error, StringComparison.Ordinal);
        Assert.Equal(16, account.FindComputeEnvironment("od-general")!.Current.DesiredvCpus);
    }

    [Fact]
    public void Constructor_SameSeedAndClock_GivesIdenticalJobs()
    {
        var (a, _) = NewAccount(seed: 7);
        var (b, _) = NewAccount(seed: 7);
        var (c, _) = NewAccount(seed: 8);
        using var _a = a;
        using var _b = b;
        using var _c = c;

        var idsA = a.JobIdsCreatedBy(a.NowMs, step: 1);
        var idsB = b.JobIdsCreatedBy(b.NowMs, step: 1);
        var jobsA = a.DescribeJobs(idsA.Where((_, i) => i % 11 == 0).ToList());
        var jobsB = b.DescribeJobs(idsB.Where((_, i) => i % 11 == 0).ToList());

        Assert.Equal(idsA, idsB);
        Assert.Equal(jobsA.Count, jobsB.Count);
        for (var i = 0; i < jobsA.Count; i++)
        {
            Assert.Equal(Describe(jobsA[i]), Describe(jobsB[i]));
        }

        Assert.NotEqual(idsA.Take(100), c.JobIdsCreatedBy(c.NowMs, step: 1).Take(100));

        static string Describe(JobView j) =>
            $"{j.JobId}|{j.JobName}|{j.Status}|{j.CreatedAt}|{j.StartedAt}|{j.StoppedAt}|{j.Vcpus}|{j.MemoryMiB}|{j.ExitCode}|{string.Join(';', j.Attempts)}";
    }

    [Fact]
    public void NowMs_ClockAdvances_NewJobsKeepArriving()
    {
        var (account, clock) = NewAccount();
        using var _ = account;
        var before = account.CountJobsCreatedBy(account.NowMs);

        clock.Advance(TimeSpan.FromHours(6));
        var after = account.CountJobsCreatedBy(account.NowMs);

        Assert.True(after > before, $"{before} -> {after}");
    }

    [Fact]
    public void ListJobs_ArrayChildren_AllChildrenListedWithIndexAndParentSize()
    {
        var (account, _) = NewAccount();
        using var __ = account;
        var parent = account.ListJobs(new ListJobsQuery("batch-default", null, null, "SUCCEEDED", 1000, null, []))
            .Jobs.First(j => j.ArraySize >= 5);

        var children = account.ListJobs(new ListJobsQuery(null, parent.JobId, null, "SUCCEEDED", 1000, null, [])).Jobs;
        var detail = account.DescribeJobs([parent.JobId]).Single();

        Assert.Equal(parent.ArraySize, children.Count);
        Assert.Equal(Enumerable.Range(0, children.Count), children.Select(c => c.ArrayIndex!.Value).Order());
        Assert.Equal(children.Select(c => c.JobId).Order(StringComparer.Ordinal), children.Select(c => c.JobId));
        Assert.Equal(parent.ArraySize, detail.ArrayStatusSummary!["SUCCEEDED"]);
        Assert.Equal(children.Max(c => c.StoppedAt), detail.StoppedAt);
    }

    [Fact]
    public void ListJobs_BothQueueAndArrayJobId_IsAClientError()
    {
        var (account, _) = NewAccount();
        using var __ = account;

        var ex = Assert.Throws<BatchClientException>(() => account.ListJobs(new ListJobsQuery("critical", Guid.NewGuid().ToString(), null, null, null, null, [])));

        Assert.Contains("Exactly one of jobQueue, arrayJobId or multiNodeJobId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_OneMillionJobs_FitsAndStartsQuickly()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (account, _) = NewAccount(target: 1_000_000);
        using var _ = account;
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(account.CountJobsCreatedBy(account.NowMs) >= 1_000_000 * 9 / 10);
        // Array children are derived, not stored: a million jobs (about 400k stored top-level jobs with the default
        // minArraySize of 50) stay well under 400 MB.
        Assert.True(after - before < 400L * 1024 * 1024, $"{(after - before) / 1024 / 1024} MB");
    }

    [Fact]
    public void FindContainerInstance_AttemptArns_ResolveToAFittingInstanceOfTheRightCe()
    {
        var (account, _) = NewAccount();
        using var __ = account;
        var jobs = account.DescribeJobs(account.JobIdsCreatedBy(account.NowMs, step: 97))
            .Where(j => j.Attempts.Count > 0 && j.Attempts[0].ContainerInstanceArn is not null).ToList();

        Assert.True(jobs.Count > 50);
        foreach (var job in jobs)
        {
            foreach (var attempt in job.Attempts)
            {
                var instance = account.FindContainerInstance(attempt.ContainerInstanceArn!);

                Assert.NotNull(instance);
                var type = InstanceCatalog.Default.Expand([instance.InstanceType]).Single();
                Assert.True(type.Vcpus >= job.Vcpus && type.MemoryMiB >= job.MemoryMiB, $"{job.JobId} on {type.Name}");
                Assert.Contains($"AWSBatch-{instance.ComputeEnvironmentName}-", attempt.ContainerInstanceArn, StringComparison.Ordinal);
                if (attempt.StatusReason.StartsWith("Host EC2", StringComparison.Ordinal))
                {
                    Assert.True(instance.Spot);
                    Assert.Equal($"Host EC2 (instance {instance.Ec2InstanceId}) terminated.", attempt.StatusReason);
                }
            }
        }

        // Jobs share instances, as on a real CE.
        var arns = jobs.SelectMany(j => j.Attempts).Select(a => a.ContainerInstanceArn).ToList();
        Assert.True(arns.Distinct().Count() < arns.Count);
    }
}
