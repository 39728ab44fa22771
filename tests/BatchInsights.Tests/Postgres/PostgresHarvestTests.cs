using System.Globalization;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Harvesting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// The Batch harvester against the real sandbox over HTTP, writing into PostgreSQL and into SQLite from the
/// same frozen sandbox clock: both databases must end with the same rows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHarvestTests(PostgresServerFixture server) : IAsyncLifetime, IDisposable
{
    /// <summary>The sandbox and harvester clock; the sandbox's history ends here.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly TestDatabase _sqlite = new();
    private SandboxServer _sandbox = null!;
    private PostgresTestDatabase _postgres = null!;

    public async Task InitializeAsync()
    {
        // A generous request budget: the sandbox's token bucket would otherwise wait on a clock that never moves.
        _sandbox = await SandboxServer.StartAsync(
            new SandboxSettings { Port = 0, TargetJobCount = 5_000, TimeProvider = _clock, RequestsPerSecond = 10_000, Burst = 10_000 },
            CancellationToken.None);
        _postgres = await server.CreateMigratedDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    public void Dispose() => _sqlite.Dispose();

    [Fact]
    public async Task HarvestAsync_SameSandboxIntoPostgresAndSqlite_StoresSameRows()
    {
        var first = await HarvestAsync(_postgres.Factory);
        var firstSqlite = await HarvestAsync(_sqlite.Factory);
        var afterFirst = await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true);
        Assert.Equal(await HarvestTestContext.DumpAsync(_sqlite.Factory, includeJobHarvestedAt: true), afterFirst);

        // Two hours later running jobs finished and new ones arrived: the incremental run updates rows on both alike.
        _clock.Advance(TimeSpan.FromHours(2));
        var second = await HarvestAsync(_postgres.Factory);
        var secondSqlite = await HarvestAsync(_sqlite.Factory);

        Assert.Equal(await HarvestTestContext.DumpAsync(_sqlite.Factory, includeJobHarvestedAt: true),
            await HarvestTestContext.DumpAsync(_postgres.Factory, includeJobHarvestedAt: true));
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

    private async Task<HarvestRunRow> HarvestAsync(IDbContextFactory<BatchInsightsDbContext> db)
    {
        var api = TestClients.Batch(_sandbox.BaseAddress);
        var harvester = new BatchHarvester(db, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), _clock, NullLogger<BatchHarvester>.Instance);
        var run = await harvester.HarvestAsync(TestClients.Target, CancellationToken.None);
        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        return run;
    }

    private static string Counters(HarvestRunRow run) => string.Create(CultureInfo.InvariantCulture,
        $"calls={run.Calls} listed={run.JobsListed} described={run.JobsDescribed} written={run.JobsWritten} queues={run.Queues} ces={run.ComputeEnvironments}");
}
