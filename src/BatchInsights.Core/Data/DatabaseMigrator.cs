using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Data;

/// <summary>Creates or upgrades the database to the latest migration of its provider.</summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(IDbContextFactory<BatchInsightsDbContext> factory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            EnsureSqliteDirectory(db.Database.GetConnectionString());
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets pages read while a harvest writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
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
