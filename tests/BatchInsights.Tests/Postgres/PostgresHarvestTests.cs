using System.Globalization;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Harvesting;
using BatchInsights.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// The Batch harvester against the real sandbox over HTTP, writing into PostgreSQL and into SQLite from the
/// same frozen sandbox clock: both databases must end with the same rows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHarvestTests(PostgresServerFixture server) : IAsyncLifetime
{
    private SandboxHarness _sandbox = null!;
    private HarvestDatabase _sqlite = null!;
    private PostgresTestDatabase _postgres = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        _sqlite = await HarvestDatabase.CreateAsync();
        _postgres = await server.CreateMigratedDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        await _sqlite.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task HarvestAsync_SameSandboxIntoPostgresAndSqlite_StoresSameRows()
    {
        var first = await HarvestAsync(_postgres.Factory);
        var firstSqlite = await HarvestAsync(_sqlite.Factory);
        var afterFirst = await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true);
        Assert.Equal(await _sqlite.DumpAsync(), afterFirst);

        // Two hours later running jobs finished and new ones arrived: the incremental run updates rows on both alike.
        _sandbox.Clock.Advance(TimeSpan.FromHours(2));
        var second = await HarvestAsync(_postgres.Factory);
        var secondSqlite = await HarvestAsync(_sqlite.Factory);

        Assert.Equal(await _sqlite.DumpAsync(), await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true));
        Assert.Equal(Counters(firstSqlite), Counters(first));
        Assert.Equal(Counters(secondSqlite), Counters(second));
        Assert.True(first.JobsWritten > 1_000, $"The first harvest wrote only {first.JobsWritten} jobs.");
        Assert.True(second.JobsWritten > 0, "Two hours later nothing changed: the comparison of updates proved nothing.");
        Assert.NotEqual(afterFirst, await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true));
    }

    [Fact]
    public async Task HarvestAsync_SecondRunOnPostgresAtSameTime_WritesNothingAndKeepsRows()
    {
        await HarvestAsync(_postgres.Factory);
        var before = await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true);

        var again = await HarvestAsync(_postgres.Factory);

        Assert.Equal(HarvestOutcome.Succeeded, again.Outcome);
        Assert.Equal(0, again.JobsWritten);
        Assert.Equal(before, await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true));
        await using var db = await _postgres.Factory.CreateDbContextAsync();
        Assert.Equal([HarvestOutcome.Succeeded, HarvestOutcome.Succeeded],
            await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).Select(r => r.Outcome).ToListAsync());
    }

    /// <summary>One run with a fresh client (its call counters start at zero) on the sandbox's frozen clock.</summary>
    private async Task<HarvestRunRow> HarvestAsync(IDbContextFactory<BatchInsightsDbContext> database)
    {
        var api = _sandbox.NewClient();
        var harvester = new BatchHarvester(database, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            _sandbox.Clock, NullLogger<BatchHarvester>.Instance);
        var run = await harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None);
        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        return run;
    }

    private static string Counters(HarvestRunRow run) => string.Create(CultureInfo.InvariantCulture,
        $"calls={run.Calls} listed={run.JobsListed} described={run.JobsDescribed} written={run.JobsWritten} queues={run.Queues} ces={run.ComputeEnvironments}");
}
