using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Harvesting;
using BatchInsights.Tests.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BatchInsights.Tests.Postgres;

/// <summary>What several instances and an unsteady database do to one PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFaultTests(PostgresServerFixture server)
{
    [Theory]
    [InlineData(null)]
    [InlineData("20261126120425_Recommendations")]
    public async Task MigrateAsync_TwoInstancesAtOnce_OneWaitsAndEachMigrationIsAppliedOnce(string? startingAt)
    {
        // A fresh database (first deployment) or one some migrations behind (an upgrade rolled out to every instance).
        await using var database = await server.CreateDatabaseAsync();
        if (startingAt is not null)
        {
            await using var old = await database.Factory.CreateDbContextAsync();
            await old.GetService<IMigrator>().MigrateAsync(startingAt);
        }

        // Two factories, as two processes would have: separate pools, separate connections.
        var first = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(database.Options));
        var second = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(database.Options));

        // Without a lock both would run the same CREATE statements and one would fail with "relation already exists".
        await Task.WhenAll(
            Task.Run(() => DatabaseMigrator.MigrateAsync(first, CancellationToken.None)),
            Task.Run(() => DatabaseMigrator.MigrateAsync(second, CancellationToken.None)));

        await using var db = await database.Factory.CreateDbContextAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""SELECT count(*), count(DISTINCT "MigrationId") FROM "__EFMigrationsHistory" """, connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(db.Database.GetMigrations().Count(), reader.GetInt64(0));
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
    }

    [Fact]
    public async Task HarvestAsync_PostgresRestartsMidHarvest_FailsCleanlyAndNextRunCompletesIt()
    {
        await using var sandbox = await SandboxHarness.StartAsync();
        await using var database = await server.CreateMigratedDatabaseAsync();
        await using var reference = await HarvestDatabase.CreateAsync();
        await sandbox.HarvestAsync(reference, sandbox.NewClient());
        var harvester = new BatchHarvester(database.Factory, _ => SlowClient(sandbox), new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            sandbox.Clock, NullLogger<BatchHarvester>.Instance);

        // Restart the server once the harvest has written part of the jobs (pg_ctl restart on the run's own cluster;
        // pg_terminate_backend on an external server, see RestartAsync).
        var harvest = Task.Run(() => harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None));
        await WaitUntilAsync(async () => await JobCountAsync(database) > 0 || harvest.IsCompleted, TimeSpan.FromSeconds(60));
        var writtenBeforeRestart = await JobCountAsync(database);
        await server.RestartAsync(database.Name);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => harvest);
        Assert.True(IsDatabaseError(failure), $"The harvest failed for another reason than the restart: {failure}");
        Assert.InRange(writtenBeforeRestart, 1, SandboxHarness.JobCount - 1);

        // The next run (the next cron tick) completes the work and closes the interrupted run's row if it stayed Running.
        var next = await harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Succeeded, next.Outcome);
        Assert.Equal(await reference.DumpAsync(), await HarvestTestContext.DumpAsync(database.Factory, includeJobHarvestedAt: true));
        await using var db = await database.Factory.CreateDbContextAsync();
        var runs = await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
        Assert.Equal(2, runs.Count);
        Assert.Equal(HarvestOutcome.Failed, runs[0].Outcome);
        Assert.NotNull(runs[0].EndedAt);
        Assert.False(string.IsNullOrEmpty(runs[0].Error));
        Assert.Equal(HarvestOutcome.Succeeded, runs[1].Outcome);
    }

    private static readonly HttpClient Http = new();

    /// <summary>The sandbox client held to 20 calls a second, so a 6,000-job harvest lasts seconds and can be interrupted.</summary>
    private static BatchApiClient SlowClient(SandboxHarness sandbox) => new(
        Http,
        SandboxHarness.Target,
        sandbox.Sandbox.BaseAddress,
        AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey),
        TestClients.FastPolicy,
        new TokenBucket(20, 1, TimeProvider.System),
        TimeProvider.System);

    private static bool IsDatabaseError(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is NpgsqlException or DbUpdateException)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<int> JobCountAsync(PostgresTestDatabase database)
    {
        await using var db = await database.Factory.CreateDbContextAsync();
        return await db.Jobs.CountAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout}.");
            await Task.Delay(50);
        }
    }
}
