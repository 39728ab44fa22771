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
    public async Task HarvestAsync_StoppedRepeatedlyAndResumed_EndsWithTheRowsOfAnUninterruptedRun()
    {
        await using var database = await HarvestDatabase.CreateAsync();
        var api = new CountingBatchApi(fixture.Harness.NewClient());

        // Stop each run a third of a full harvest's calls after the previous stop, until one finishes.
        var step = Math.Max(1, fixture.Api.Total / 3);
        var stops = 0;
        HarvestRunRow? finished = null;
        while (finished is null)
        {
            Assert.True(stops < 20, "the harvest never finished: resuming makes no progress");
            using var stop = new CancellationTokenSource();
            api.CancelAtCall(api.Total + step, stop);
            try
            {
                finished = await fixture.Harness.HarvestAsync(database, api, stop.Token);
            }
            catch (OperationCanceledException)
            {
                stops++;
            }
        }

        Assert.Equal(await fixture.Database.DumpAsync(), await database.DumpAsync());
        Assert.True(stops >= 2, $"stopped only {stops} times");
        var runs = await database.RunsAsync();
        Assert.Equal(stops, runs.Count(r => r.Outcome == HarvestOutcome.Failed && r.Error == "Canceled before the harvest finished."));
        Assert.Equal(HarvestOutcome.Succeeded, runs[^1].Outcome);
    }
}
