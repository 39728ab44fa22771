using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Integration;

/// <summary>Harvests run again, or stopped and resumed, against the back-filled fixture's frozen account.</summary>
[Collection(BackfilledSandboxCollection.Name)]
public sealed class SandboxRerunTests(BackfilledSandboxFixture fixture)
{
    [Fact]
    public async Task HarvestAsync_SecondRunOfUnchangedAccount_ChangesNoRowAndOnlyLists()
    {
        await using var database = await HarvestDatabase.CreateAsync();
        var api = new CountingBatchApi(fixture.Harness.NewClient());
        await fixture.Harness.HarvestAsync(database, api);
        var afterFirst = await database.DumpAsync();
        api.ResetCounts();

        var second = await fixture.Harness.HarvestAsync(database, api);

        Assert.Equal(afterFirst, await database.DumpAsync());
        Assert.Equal((HarvestOutcome.Succeeded, 0L, 0L), (second.Outcome, second.JobsDescribed, second.JobsWritten));
        Assert.Equal(0, api.CallsOf(CountingBatchApi.DescribeJobs));
        Assert.Equal(0, api.CallsOf(CountingBatchApi.ListByArray));

        // Inventory (3) + per queue: 5 active statuses and the first page of 2 finished ones; a few queues
        // hold more than 1,000 active jobs, so allow one extra page per queue and status.
        var queues = second.Queues;
        Assert.InRange(second.Calls, 3 + (7 * queues), 3 + (14 * queues));
        Assert.Equal(second.Calls, api.Total);
    }

    [Fact]
    public async Task HarvestAsync_StoppedTwiceAndResumed_EndsWithTheRowsOfAnUninterruptedRun()
    {
        await using var database = await HarvestDatabase.CreateAsync();
        var api = new CountingBatchApi(fixture.Harness.NewClient());
        var fullRunCalls = fixture.Api.Total;

        // Stopped a third of the way into a harvest, then two thirds into the next one, then left to finish.
        foreach (var stopAt in new[] { fullRunCalls / 3, fullRunCalls * 2 / 3 })
        {
            api.ResetCounts();
            using var stop = new CancellationTokenSource();
            api.CancelAtCall(stopAt, stop);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Harness.HarvestAsync(database, api, stop.Token));
        }

        api.ResetCounts();
        var finished = await fixture.Harness.HarvestAsync(database, api);

        Assert.Equal(await fixture.Database.DumpAsync(), await database.DumpAsync());
        var runs = await database.RunsAsync();
        Assert.Equal(
            [HarvestOutcome.Failed, HarvestOutcome.Failed, HarvestOutcome.Succeeded],
            runs.Select(r => r.Outcome));
        Assert.All(runs.Take(2), r => Assert.Equal("Canceled before the harvest finished.", r.Error));
        Assert.Equal(finished.Id, runs[^1].Id);
    }
}
