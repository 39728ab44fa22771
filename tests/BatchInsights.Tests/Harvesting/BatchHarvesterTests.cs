using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using Microsoft.EntityFrameworkCore;
using static BatchInsights.Tests.Harvesting.BatchData;

namespace BatchInsights.Tests.Harvesting;

public sealed class BatchHarvesterTests
{
    private const string Succeeded = BatchJobStatus.Succeeded;
    private const string Failed = BatchJobStatus.Failed;
    private const string Running = BatchJobStatus.Running;
    private const string Runnable = BatchJobStatus.Runnable;

    [Fact]
    public async Task HarvestAsync_FirstRun_StoresEverythingAndRecordsSucceededRun()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.PutAll(Jobs("ok", 3, "etl", Succeeded, Start.AddHours(-5)));
        ctx.Api.Put(Job("bad", "etl", Failed, Start.AddHours(-4)));
        ctx.Api.Put(Job("run", "analytics", Running, Start.AddHours(-1)));
        ctx.Api.Put(Job("wait", "analytics", Runnable, Start.AddMinutes(-5)));
        var published = new List<HarvestCompleted>();
        ctx.Notifier.Completed += published.Add;

        var run = await ctx.HarvestAsync();

        var jobs = await ctx.JobsAsync();
        Assert.Equal(["bad", "ok-00000", "ok-00001", "ok-00002", "run", "wait"], jobs.Select(j => j.JobId));
        var bad = jobs.Single(j => j.JobId == "bad");
        Assert.Equal(("etl", Failed, 1, true, false, 1), (bad.QueueName, bad.Status, bad.ExitCode, bad.IsTerminal, bad.FromSummary, bad.AttemptCount));
        Assert.False(jobs.Single(j => j.JobId == "run").IsTerminal);
        await using (var db = await ctx.Db.CreateDbContextAsync())
        {
            Assert.Equal("m5.large,c5.xlarge", (await db.ComputeEnvironments.SingleAsync()).InstanceTypes);
            Assert.Equal(["analytics", "etl"], await db.JobQueues.OrderBy(q => q.Name).Select(q => q.Name).ToListAsync());
            Assert.Equal(2, await db.JobDefinitions.CountAsync());
            var attempt = await db.JobAttempts.SingleAsync(a => a.JobId == "bad");
            Assert.Equal(("OutOfMemoryError", "arn:aws:ecs:task/bad"), (attempt.Reason, attempt.TaskArn));
            Assert.Equal(5, await db.JobAttempts.CountAsync()); // the RUNNABLE job has no attempt yet
            Assert.Equal(2, await db.HarvestWatermarks.CountAsync(w => w.Scope.StartsWith("jobs:")));
        }

        var stored = Assert.Single(await ctx.RunsAsync());
        Assert.Equal((HarvestOutcome.Succeeded, "batch", 6L, 6L, 6L, 2, 1, (string?)null),
            (stored.Outcome, stored.Kind, stored.JobsListed, stored.JobsDescribed, stored.JobsWritten, stored.Queues, stored.ComputeEnvironments, stored.Error));
        Assert.Equal(ctx.Api.Stats.Calls, stored.Calls);
        Assert.NotNull(stored.EndedAt);
        Assert.Equal(run.Id, Assert.Single(published).RunId);
    }

    [Fact]
    public async Task HarvestAsync_SecondRunWithoutChanges_OnlyListsAndChangesNoRow()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.PutAll(Jobs("ok", 1500, "etl", Succeeded, Start.AddDays(-2)));
        ctx.Api.PutAll(Jobs("run", 5, "analytics", Running, Start.AddHours(-3)));
        var arr = ArrayJob("arr", "etl", Succeeded, Start.AddDays(-1), 10);
        ctx.Api.Put(arr.Parent);
        ctx.Api.PutAll(arr.Children);
        await ctx.HarvestAsync();
        var before = await ctx.DumpAsync(includeJobHarvestedAt: true);
        ctx.Api.ResetCounters();
        ctx.Time.Advance(TimeSpan.FromHours(1));

        var run = await ctx.HarvestAsync();

        Assert.Empty(ctx.Api.DescribedIds);
        Assert.DoesNotContain(ctx.Api.ListRequests, q => q.ArrayJobId is not null);
        Assert.Equal(before, await ctx.DumpAsync(includeJobHarvestedAt: true));
        Assert.Equal((0L, 0L), (run.JobsDescribed, run.JobsWritten));
        // 3 inventory calls + per queue 5 active statuses + SUCCEEDED + FAILED, one page each (watermark stops paging).
        Assert.Equal(3 + 2 * 7, run.Calls);
    }

    [Fact]
    public async Task HarvestAsync_JobFinishedBetweenRuns_IsUpdatedWithItsAttempt()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.Put(Job("j1", "etl", Running, Start.AddMinutes(-30)));
        await ctx.HarvestAsync();
        ctx.Time.Advance(TimeSpan.FromHours(1));
        ctx.Api.Put(Job("j1", "etl", Succeeded, Start.AddMinutes(-30)));
        ctx.Api.Put(Job("j2", "etl", Succeeded, Start.AddMinutes(20)));

        var run = await ctx.HarvestAsync();

        var j1 = await ctx.JobAsync("j1");
        Assert.Equal((Succeeded, true, 0), (j1!.Status, j1.IsTerminal, j1.ExitCode));
        Assert.NotNull(j1.StoppedAtMs);
        Assert.NotNull(await ctx.JobAsync("j2"));
        await using var db = await ctx.Db.CreateDbContextAsync();
        Assert.NotNull((await db.JobAttempts.SingleAsync(a => a.JobId == "j1")).StoppedAtMs);
        Assert.Equal(2, run.JobsWritten);
    }

    [Fact]
    public async Task HarvestAsync_LongRunningJobCreatedBeforeWatermarkFinishes_IsCaughtWithoutListingOldPages()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.Put(Job("long", "etl", Running, Start.AddDays(-3)));
        ctx.Api.PutAll(Jobs("old", 2500, "etl", Succeeded, Start.AddDays(-2)));
        await ctx.HarvestAsync();
        ctx.Time.Advance(TimeSpan.FromHours(2));
        ctx.Api.Put(Job("long", "etl", Failed, Start.AddDays(-3)));
        ctx.Api.ResetCounters();

        await ctx.HarvestAsync();

        Assert.Equal((Failed, true), ((await ctx.JobAsync("long"))!.Status, (await ctx.JobAsync("long"))!.IsTerminal));
        Assert.Equal(["long"], ctx.Api.DescribedIds);
        // The 2,500 older SUCCEEDED jobs are 3 pages; the incremental run reads only the newest.
        Assert.Single(ctx.Api.ListRequests, q => q.JobQueue == QueueArn("etl") && q.JobStatus == Succeeded);
    }

    [Fact]
    public async Task HarvestAsync_JobCreatedJustBeforeLastRunButListedLate_IsCaughtThroughOverlap()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.PutAll(Jobs("old", 1200, "etl", Succeeded, Start.AddDays(-2)));
        await ctx.HarvestAsync();
        ctx.Time.Advance(TimeSpan.FromHours(1));
        // ListJobs is eventually consistent: this job was created 2 minutes before the last run but only shows up now.
        ctx.Api.Put(Job("late", "etl", Succeeded, Start.AddMinutes(-2)));

        await ctx.HarvestAsync();

        Assert.NotNull(await ctx.JobAsync("late"));
    }

    [Fact]
    public async Task HarvestAsync_JobsForgottenByAws_StayAsStored()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.Put(Job("done", "etl", Succeeded, Start.AddDays(-8)));
        ctx.Api.Put(Job("stuck", "etl", Running, Start.AddDays(-8)));
        await ctx.HarvestAsync();
        var before = await ctx.DumpAsync(includeJobHarvestedAt: true);
        ctx.Time.Advance(TimeSpan.FromDays(1));
        ctx.Api.Forget("done");
        ctx.Api.Forget("stuck");
        ctx.Api.ResetCounters();

        var run = await ctx.HarvestAsync();

        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        Assert.Equal(["stuck"], ctx.Api.DescribedIds); // asked once whether it finished; AWS no longer knows it
        Assert.Equal(before, await ctx.DumpAsync(includeJobHarvestedAt: true));
    }

    [Fact]
    public async Task HarvestAsync_OlderSnapshotArrives_StatusNeverGoesBackwards()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.Put(Job("retry", "etl", Running, Start.AddMinutes(-50)));
        ctx.Api.Put(Job("stale", "etl", Running, Start.AddMinutes(-40)));
        await ctx.HarvestAsync();
        ctx.Time.Advance(TimeSpan.FromHours(1));
        // "retry" is listed RUNNABLE again (a retried attempt); "stale" is listed SUCCEEDED but
        // DescribeJobs still answers with an older RUNNABLE snapshot.
        ctx.Api.Put(Job("retry", "etl", Runnable, Start.AddMinutes(-50)));
        ctx.Api.Put(Job("stale", "etl", Succeeded, Start.AddMinutes(-40)));
        ctx.Api.DescribeOverride = j => j.JobId == "stale" ? Job("stale", "etl", Runnable, Start.AddMinutes(-40)) : j;

        var run = await ctx.HarvestAsync();

        Assert.Equal(Running, (await ctx.JobAsync("retry"))!.Status);
        Assert.Equal(Running, (await ctx.JobAsync("stale"))!.Status);
        Assert.Equal(0, run.JobsWritten);

        ctx.Api.DescribeOverride = null;
        await ctx.HarvestAsync();
        Assert.Equal(Succeeded, (await ctx.JobAsync("stale"))!.Status);
    }

    [Fact]
    public async Task HarvestAsync_MalformedResponse_RunFailedWithMessageAndDataUntouched()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.PutAll(Jobs("ok", 20, "etl", Succeeded, Start.AddHours(-5)));
        await ctx.HarvestAsync();
        var before = await ctx.DumpAsync(includeJobHarvestedAt: true);
        ctx.Time.Advance(TimeSpan.FromHours(1));
        ctx.Api.Put(Job("ok-00003", "etl", Failed, Start.AddHours(-5))); // would be ignored anyway: stored as finished
        var calls = ctx.Api.Stats.Calls;
        ctx.Api.BeforeCall = n => throw new AwsApiException("batch", "ListJobs", "response is not valid JSON", httpStatus: 200);
        var job = new BatchHarvestJob(ctx.Harvester, [Target]);

        var ex = await Assert.ThrowsAsync<AggregateException>(() => job.RunAsync(CancellationToken.None));

        Assert.IsType<AwsApiException>(Assert.Single(ex.InnerExceptions));
        var failed = (await ctx.RunsAsync()).Last();
        Assert.Equal((HarvestOutcome.Failed, "batch ListJobs failed: response is not valid JSON"), (failed.Outcome, failed.Error));
        Assert.NotNull(failed.EndedAt);
        Assert.Equal(before, await ctx.DumpAsync(includeJobHarvestedAt: true));
        Assert.True(ctx.Api.Stats.Calls > calls);
    }

    [Fact]
    public async Task HarvestAllAsync_OneTargetFails_OthersStillHarvestedAndJobThrows()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        var other = new AwsTarget("210987654321", "eu-west-1");
        ctx.Apis[other] = new FakeBatchApi(other);
        ctx.Api.BeforeCall = _ => throw new AwsApiException("batch", "DescribeComputeEnvironments", "HTTP 503 Service Unavailable", httpStatus: 503);
        ctx.Apis[other].Queues.Add(Queue("other") with { Arn = "arn:aws:batch:eu-west-1:210987654321:job-queue/other" });
        ctx.Apis[other].Put(Job("x", "other", Succeeded, Start.AddHours(-1)) with { JobQueueArn = "arn:aws:batch:eu-west-1:210987654321:job-queue/other" });

        await Assert.ThrowsAsync<AggregateException>(() => ctx.Harvester.HarvestAllAsync([Target, other], CancellationToken.None));

        var runs = await ctx.RunsAsync();
        Assert.Equal([(Target.Account, HarvestOutcome.Failed), (other.Account, HarvestOutcome.Succeeded)], runs.Select(r => (r.Account, r.Outcome)));
        Assert.Contains("503", runs[0].Error, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", (await ctx.JobAsync("x"))!.Region);
    }

    public static TheoryData<double, bool> Interruptions => new()
    {
        { 0.1, false }, { 0.45, false }, { 0.9, false },
        { 0.3, true }, { 0.7, true },
    };

    [Theory]
    [MemberData(nameof(Interruptions))]
    public async Task HarvestAsync_InterruptedThenRunAgain_SameRowsAsUninterrupted(double at, bool cancel)
    {
        // Arrange: two identical accounts, both already harvested once, then the same changes.
        await using var plain = (await HarvestTestContext.CreateAsync()).WithInventory();
        await using var broken = (await HarvestTestContext.CreateAsync()).WithInventory();
        foreach (var ctx in new[] { plain, broken })
        {
            ScriptBusyAccount(ctx.Api, Start);
            await ctx.HarvestAsync();
            ctx.Time.Advance(TimeSpan.FromHours(1));
            ScriptChanges(ctx.Api, ctx.Time.GetUtcNow());
        }

        var callsBefore = plain.Api.Stats.Calls;
        await plain.HarvestAsync();
        var expected = await plain.DumpAsync(includeJobHarvestedAt: false);
        var stopAt = broken.Api.Stats.Calls + (long)((plain.Api.Stats.Calls - callsBefore) * at);
        using var cts = new CancellationTokenSource();
        broken.Api.BeforeCall = n =>
        {
            if (n != stopAt)
            {
                return;
            }

            if (cancel)
            {
                cts.Cancel(); // the response still arrives; the next database write or call sees the cancellation
            }
            else
            {
                throw new AwsApiException("batch", "ListJobs", "HTTP 500", httpStatus: 500);
            }
        };

        // Act
        await Assert.ThrowsAnyAsync<Exception>(() => broken.HarvestAsync(cts.Token));
        broken.Api.BeforeCall = null;
        broken.Time.Advance(TimeSpan.FromMinutes(5));
        await broken.HarvestAsync();

        // Assert
        Assert.Equal(expected, await broken.DumpAsync(includeJobHarvestedAt: false));
        Assert.Equal([HarvestOutcome.Succeeded, HarvestOutcome.Failed, HarvestOutcome.Succeeded], (await broken.RunsAsync()).Select(r => r.Outcome));
    }

    [Fact]
    public async Task HarvestAsync_BackfillOf5000Jobs_AtMost25CallsPer1000Jobs()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        ctx.Api.PutAll(Jobs("s", 3000, "etl", Succeeded, Start.AddDays(-6)));
        ctx.Api.PutAll(Jobs("f", 1000, "analytics", Failed, Start.AddDays(-5)));
        ctx.Api.PutAll(Jobs("r", 1000, "analytics", Running, Start.AddDays(-1)));

        var run = await ctx.HarvestAsync();

        Assert.Equal(5000, (await ctx.JobsAsync()).Count);
        Assert.Equal(5000, run.JobsWritten);
        Assert.InRange(run.Calls * 1000.0 / 5000, 0, 25);
    }

    [Fact]
    public async Task HarvestAsync_ArrayParent_ChildrenStoredFromSummariesOnce()
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        var (parent, children) = ArrayJob("arr", "etl", Running, Start.AddMinutes(-30), 2500);
        ctx.Api.Put(parent);
        ctx.Api.PutAll(children);
        await ctx.HarvestAsync();
        ctx.Time.Advance(TimeSpan.FromHours(1));
        var done = ArrayJob("arr", "etl", Succeeded, Start.AddMinutes(-30), 2500);
        ctx.Api.Put(done.Parent);
        ctx.Api.PutAll(done.Children);
        ctx.Api.ResetCounters();

        await ctx.HarvestAsync();
        var afterFinish = ctx.Api.ListRequests.Count(q => q.ArrayJobId == "arr");
        ctx.Time.Advance(TimeSpan.FromHours(1));
        ctx.Api.ResetCounters();
        await ctx.HarvestAsync();

        var jobs = await ctx.JobsAsync();
        Assert.Equal(2501, jobs.Count);
        var child = jobs.Single(j => j.JobId == "arr:1234");
        Assert.Equal(("arr", 1234, Succeeded, true, true, 4.0, 8192L, "etl"),
            (child.ArrayParentId, child.ArrayIndex, child.Status, child.FromSummary, child.IsTerminal, child.Vcpus, child.MemoryMib, child.QueueName));
        Assert.Equal(0, child.ExitCode);
        Assert.NotNull(child.StoppedAtMs);
        Assert.Equal(2500, jobs.Single(j => j.JobId == "arr").ArraySize);
        Assert.Equal(3, afterFinish); // 2,500 SUCCEEDED children = 3 pages, no DescribeJobs per child
        Assert.DoesNotContain(ctx.Api.ListRequests, q => q.ArrayJobId is not null); // a finished parent's children are done once
        Assert.Empty(ctx.Api.DescribedIds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HarvestAsync_StoppedWhileListingChildrenOfFinishedParent_ChildrenCompletedByNextRun(bool parentStoredRunningBefore)
    {
        await using var ctx = (await HarvestTestContext.CreateAsync()).WithInventory();
        if (parentStoredRunningBefore)
        {
            var (parent, children) = ArrayJob("arr", "etl", Running, Start.AddMinutes(-30), 1500);
            ctx.Api.Put(parent);
            ctx.Api.PutAll(children);
            await ctx.HarvestAsync();
            ctx.Time.Advance(TimeSpan.FromHours(1));
        }

        var done = ArrayJob("arr", "etl", Succeeded, Start.AddMinutes(-30), 1500);
        ctx.Api.Put(done.Parent);
        ctx.Api.PutAll(done.Children);
        ctx.Api.ResetCounters();
        ctx.Api.BeforeCall = _ =>
        {
            if (ctx.Api.ListRequests.Count(q => q.ArrayJobId is not null) == 2)
            {
                throw new AwsApiException("batch", "ListJobs", "HTTP 500", httpStatus: 500);
            }
        };
        await Assert.ThrowsAsync<AwsApiException>(() => ctx.HarvestAsync());
        ctx.Api.BeforeCall = null;
        ctx.Time.Advance(TimeSpan.FromMinutes(5));

        await ctx.HarvestAsync();

        var jobs = await ctx.JobsAsync();
        Assert.Equal(1501, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(Succeeded, j.Status));
    }

    /// <summary>Two queues, several pages of finished jobs, running and waiting jobs, an array job.</summary>
    private static void ScriptBusyAccount(FakeBatchApi api, DateTimeOffset now)
    {
        api.PutAll(Jobs("etl-ok", 1500, "etl", Succeeded, now.AddDays(-3)));
        api.PutAll(Jobs("etl-bad", 300, "etl", Failed, now.AddDays(-2)));
        api.PutAll(Jobs("etl-run", 40, "etl", Running, now.AddHours(-2)));
        api.PutAll(Jobs("an-wait", 1100, "analytics", Runnable, now.AddHours(-20)));
        var (parent, children) = ArrayJob("an-arr", "analytics", Running, now.AddHours(-3), 1200);
        api.Put(parent);
        api.PutAll(children);
    }

    /// <summary>An hour later: running jobs finished, waiting ones started, new jobs arrived, the array finished.</summary>
    private static void ScriptChanges(FakeBatchApi api, DateTimeOffset now)
    {
        foreach (var job in api.Jobs.Where(j => j.JobId.StartsWith("etl-run", StringComparison.Ordinal)).ToList())
        {
            api.Put(Job(job.JobId, "etl", int.Parse(job.JobId[^2..], System.Globalization.CultureInfo.InvariantCulture) % 4 == 0 ? Failed : Succeeded,
                DateTimeOffset.FromUnixTimeMilliseconds(job.CreatedAtMs)));
        }

        foreach (var job in api.Jobs.Where(j => j.JobId.StartsWith("an-wait", StringComparison.Ordinal)).Take(600).ToList())
        {
            api.Put(Job(job.JobId, "analytics", Running, DateTimeOffset.FromUnixTimeMilliseconds(job.CreatedAtMs)));
        }

        api.PutAll(Jobs("etl-new", 1200, "etl", Succeeded, now.AddMinutes(-50)));
        var (parent, children) = ArrayJob("an-arr", "analytics", Succeeded, DateTimeOffset.FromUnixTimeMilliseconds(api.Get("an-arr").CreatedAtMs), 1200);
        api.Put(parent);
        api.PutAll(children);
    }
}
