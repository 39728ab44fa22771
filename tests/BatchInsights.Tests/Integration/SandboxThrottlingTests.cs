using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Integration;

public sealed class SandboxThrottlingTests
{
    [Fact]
    public async Task HarvestAsync_SandboxThrottlingThirtyPercent_StoresEveryJobAndRecordsThrottledCalls()
    {
        await using var harness = await SandboxHarness.StartAsync(throttleShare: 0.3);
        await using var database = await HarvestDatabase.CreateAsync();

        var run = await harness.HarvestAsync(database, harness.NewClient());

        // The reference goes through the same throttling (the client's retries see it through).
        var listed = await ListedAccount.ListEverythingAsync(harness.NewClient());
        ListedAccount.AssertSameJobs(listed, ListedAccount.AsListed(await database.JobsAsync()));
        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        Assert.True(run.Throttled > 0, "no throttled call recorded");

        // Every throttled call was retried: about 3 in 10 sent calls were refused.
        Assert.InRange(run.Throttled, run.Calls / 5, run.Calls / 2);
    }
}
