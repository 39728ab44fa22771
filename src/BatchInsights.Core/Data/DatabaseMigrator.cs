using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace BatchInsights.Core.Data;

/// <summary>Creates or upgrades the database to the latest migration of its provider.</summary>
public static class DatabaseMigrator
{
    /// <summary>The pg_advisory_lock key every instance migrates under ("BIMIGRAT" in ASCII).</summary>
    internal const long PostgresMigrationLockKey = 0x42494D4947524154;

    public static async Task MigrateAsync(IDbContextFactory<BatchInsightsDbContext> factory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // EF's own migration lock (the __EFMigrationsLock table) makes a second process on the same file wait.
            EnsureSqliteDirectory(db.Database.GetConnectionString());
            await db.Database.MigrateAsync(cancellationToken);
            // WAL lets pages read while a harvest writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            return;
        }

        await MigratePostgresAsync(db, cancellationToken);
    }

    /// <summary>
    /// Several instances starting together migrate one at a time. EF Core 10's own lock for Npgsql (LOCK TABLE on the
    /// history table, per transaction) did not hold here: two MigrateAsync calls on a fresh database failed with
    /// 42P07 "relation already exists" (PostgresFaultTests). A session-level advisory lock is held on a separate
    /// connection for the whole migration, and PostgreSQL frees it by itself when that connection or process dies.
    /// </summary>
    private static async Task MigratePostgresAsync(BatchInsightsDbContext db, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // The database does not exist yet: create it (as Migrate would), tolerating a concurrent creator.
            await CreateDatabaseAsync(db, cancellationToken);
            NpgsqlConnection.ClearPool(connection);
            await connection.OpenAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            command.Parameters.AddWithValue("key", PostgresMigrationLockKey);
            // Waits while another instance migrates; then this one finds nothing left to apply.
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", PostgresMigrationLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task CreateDatabaseAsync(BatchInsightsDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.GetService<IRelationalDatabaseCreator>().CreateAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another instance created it first.
        }
    }

    private static void EnsureSqliteDirectory(string? connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
