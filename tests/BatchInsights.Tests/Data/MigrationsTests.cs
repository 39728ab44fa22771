using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace BatchInsights.Tests.Data;

public sealed class MigrationsTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "Data Source=unused.db")]
    [InlineData(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=unused;Username=unused")]
    public void Model_ComparedWithProviderMigrations_HasNoPendingChanges(DatabaseProvider provider, string connectionString)
    {
        // Fails when an entity changed without 'dotnet ef migrations add' for this provider (see README, "Changing the schema").
        using var db = new BatchInsightsDbContext(DataServiceCollectionExtensions.CreateOptions(new DatabaseOptions { Provider = provider, ConnectionString = connectionString }));

        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} migrations are behind the model: add a migration for {provider}.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public async Task MigrateAsync_NewSqliteFileInMissingDirectory_CreatesSchemaAndIsRepeatable()
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("bi-migrate-").FullName, "nested", "data");
        var options = new DatabaseOptions { ConnectionString = $"Data Source={Path.Combine(dir, "bi.db")};Pooling=False" };
        var factory = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(options));

        await DatabaseMigrator.MigrateAsync(factory, CancellationToken.None);
        await DatabaseMigrator.MigrateAsync(factory, CancellationToken.None);

        await using var db = await factory.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.Jobs.CountAsync());
        Assert.True(File.Exists(Path.Combine(dir, "bi.db")));
    }

    [Fact]
    public async Task MigrateAsync_TwoAtOnceOnNewSqliteFile_OneWaitsAndEachMigrationIsAppliedOnce()
    {
        // Two processes on one machine starting together: EF's migration lock (the __EFMigrationsLock table on SQLite)
        // makes the second wait, then find nothing to do. Without it one fails with "table ... already exists".
        var file = Path.Combine(Directory.CreateTempSubdirectory("bi-migrate-").FullName, "bi.db");
        var options = new DatabaseOptions { ConnectionString = $"Data Source={file};Pooling=False" };
        var first = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(options));
        var second = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(options));

        await Task.WhenAll(
            Task.Run(() => DatabaseMigrator.MigrateAsync(first, CancellationToken.None)),
            Task.Run(() => DatabaseMigrator.MigrateAsync(second, CancellationToken.None)));

        await using var db = await first.CreateDbContextAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(
            db.Database.GetMigrations().Count(),
            await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM \"__EFMigrationsHistory\"").SingleAsync());
    }
}
