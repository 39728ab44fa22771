using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Integration;

public sealed class SandboxClockTests
{
    [Fact]
    public async Task HarvestAsync_TwoHoursLater_AddsNewJobsFinishesRunningOnesAndNeverGoesBackwards()
    {
        await using var harness = await SandboxHarness.StartAsync();
        await using var database = await HarvestDatabase.CreateAsync();
        var client = harness.NewClient();
        await AdvanceUntilSomethingRunsAsync(harness, client);
        await harness.HarvestAsync(database, client);
        var before = (await database.JobsAsync()).ToDictionary(j => j.JobId);
        var firstRunAtMs = harness.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        harness.Clock.Advance(TimeSpan.FromHours(2));
        var run = await harness.HarvestAsync(database, client);

        var after = await database.JobsAsync();
        ListedAccount.AssertSameJobs(await ListedAccount.ListEverythingAsync(client), ListedAccount.AsListed(after));
        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        Assert.Contains(after, j => j.CreatedAtMs > firstRunAtMs && j.ArrayParentId is null);
        var backwards = after.Where(j => before.TryGetValue(j.JobId, out var old) && BatchJobStatus.Rank(j.Status) < BatchJobStatus.Rank(old.Status)).ToList();
        Assert.Empty(backwards.Select(j => $"{j.JobId}: {before[j.JobId].Status} -> {j.Status}"));
        Assert.Equal(before.Count, after.Count(j => before.ContainsKey(j.JobId)));

        // Top-level jobs unfinished two hours ago (queued, starting or running): stored as DescribeJobs reports them now,
        // and some of them have finished since.
        var wereRunning = before.Values.Where(j => !j.IsTerminal && j.ArrayParentId is null).Select(j => j.JobId).ToList();
        Assert.NotEmpty(wereRunning);
        var now = await client.DescribeJobsAsync(wereRunning, CancellationToken.None);
        var stored = after.ToDictionary(j => j.JobId);
        Assert.Equal(
            now.Select(j => (j.JobId, j.Status, j.IsTerminal, j.StoppedAtMs, j.Attempts.Count)).OrderBy(x => x.JobId, StringComparer.Ordinal),
            wereRunning.Order(StringComparer.Ordinal).Select(id => stored[id]).Select(j => (j.JobId, j.Status, j.IsTerminal, j.StoppedAtMs, j.AttemptCount)));
        Assert.Contains(now, j => j.IsTerminal);
    }

    // A small scenario has quiet hours (the trace's arrival pattern): start the test at a moment when jobs run.
    private static async Task AdvanceUntilSomethingRunsAsync(SandboxHarness harness, IBatchApi client)
    {
        var queues = await client.DescribeJobQueuesAsync(CancellationToken.None);
        for (var step = 0; step < 144; step++)
        {
            foreach (var queue in queues)
            {
                var page = await client.ListJobsAsync(new ListJobsQuery(JobQueue: queue.Arn, JobStatus: BatchJobStatus.Running, MaxResults: 10), CancellationToken.None);
                if (page.Jobs.Count > 0)
                {
                    return;
                }
            }

            harness.Clock.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Fail("No job ran at any time of a whole day in the sandbox scenario.");
    }
}
