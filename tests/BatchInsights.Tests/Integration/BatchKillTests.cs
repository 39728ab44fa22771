using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Harvesting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using static BatchInsights.Tests.Integration.KillAssert;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// The Batch harvest killed in the middle of a page's commit (the page was fetched, half its rows were sent to the
/// database) resumes from its watermark and ends with the rows of the back-filled fixture's uninterrupted run.
/// (SandboxRerunTests stops it by cancellation at a call; this one dies inside the write.)
/// </summary>
[Collection(BackfilledSandboxCollection.Name)]
public sealed class BatchKillTests(BackfilledSandboxFixture fixture)
{
    [Theory]
    [InlineData("jobs")]
    [InlineData("job_attempts")]
    public async Task HarvestAsync_KilledMidCommitTwiceThenRerun_EndsWithTheRowsOfAnUninterruptedRun(string table)
    {
        await using var database = await KillableDatabase.CreateAsync();
        var api = new CountingBatchApi(fixture.Harness.NewClient());

        // Killed at the 5th insert command into the table, then at the 20th of the next run (further in, as the
        // first run's committed pages are skipped or rewritten as unchanged).
        foreach (var killAt in new[] { 5, 20 })
        {
            database.Kill.Arm(table, killAt);
            await AssertKilledAsync(() => HarvestAsync(database, api));
            Assert.True(database.Kill.Fired);
        }

        database.Kill.Arm(table, killAt: 0);
        var finished = await HarvestAsync(database, api);

        Assert.Equal(await fixture.Database.DumpAsync(), await HarvestTestContext.DumpAsync(database.Factory, includeJobHarvestedAt: true));
        Assert.Equal(HarvestOutcome.Succeeded, finished.Outcome);
        await using var db = await database.Factory.CreateDbContextAsync();
        var runs = await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
        Assert.Equal([HarvestOutcome.Failed, HarvestOutcome.Failed, HarvestOutcome.Succeeded], runs.Select(r => r.Outcome));
        Assert.All(runs.Take(2), r => Assert.Contains("simulated kill", r.Error, StringComparison.Ordinal));
    }

    private Task<HarvestRunRow> HarvestAsync(KillableDatabase database, CountingBatchApi api) =>
        new BatchHarvester(database.Factory, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), fixture.Harness.Clock, NullLogger<BatchHarvester>.Instance)
            .HarvestAsync(SandboxHarness.Target, CancellationToken.None);
}
