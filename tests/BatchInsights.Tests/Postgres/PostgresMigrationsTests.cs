using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BatchInsights.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationsTests(PostgresServerFixture server)
{
    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryMigrationAndMatchesModel()
    {
        await using var database = await server.CreateDatabaseAsync();

        await database.MigrateAsync();

        await using var db = await database.Factory.CreateDbContextAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "The Postgres migrations are behind the model: add a migration for Postgres.");
        // Every table the model maps exists in the real database (and nothing else of ours).
        Assert.Equal(
            db.Model.GetEntityTypes().Select(e => e.GetTableName()!).Distinct().Order(StringComparer.Ordinal),
            await TablesAsync(database.ConnectionString));
    }

    [Fact]
    public async Task MigrateAsync_RunTwice_SecondRunChangesNothingAndKeepsRows()
    {
        await using var database = await server.CreateDatabaseAsync();
        await database.MigrateAsync();
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.HarvestWatermarks.Add(new HarvestWatermarkRow
            {
                Account = "123456789012", Region = "us-east-1", Scope = "jobs:etl", ValueMs = 42, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        await database.MigrateAsync();

        await using var again = await database.Factory.CreateDbContextAsync();
        Assert.Equal(42, (await again.HarvestWatermarks.SingleAsync()).ValueMs);
        Assert.Equal(again.Database.GetMigrations(), await again.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task SaveChanges_UtcTimes_ReadBackAsTheSameUtcInstant()
    {
        // timestamptz keeps an instant: what the harvester writes (UTC) must come back equal and marked UTC.
        await using var database = await server.CreateDatabaseAsync();
        await database.MigrateAsync();
        var started = new DateTime(2026, 11, 1, 12, 0, 0, 123, DateTimeKind.Utc);
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.HarvestRuns.Add(new HarvestRunRow
            {
                Account = "123456789012", Region = "us-east-1", Kind = "batch", Outcome = HarvestOutcome.Succeeded,
                StartedAt = started, EndedAt = started.AddSeconds(5),
            });
            await db.SaveChangesAsync();
        }

        await using var read = await database.Factory.CreateDbContextAsync();
        var run = await read.HarvestRuns.AsNoTracking().SingleAsync();

        Assert.Equal(started, run.StartedAt);
        Assert.Equal(DateTimeKind.Utc, run.StartedAt.Kind);
        Assert.Equal(started.AddSeconds(5), run.EndedAt);
    }

    private static async Task<List<string>> TablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory' ORDER BY table_name",
            connection);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
