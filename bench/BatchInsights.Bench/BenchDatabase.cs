using BatchInsights.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Bench;

/// <summary>A SQLite file with the app's own registration (AddBatchInsightsData) and migrations.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string? _tempDirectory;
    private bool _deleteOnDispose;

    private BenchDatabase(string path, string? tempDirectory)
    {
        Path = path;
        _tempDirectory = tempDirectory;
        ConnectionString = $"Data Source={path}";
        var services = new ServiceCollection()
            .AddBatchInsightsData(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = ConnectionString });
        if (Environment.GetEnvironmentVariable("BENCH_SQL_LOG") == "1")
        {
            // Every SQL command with its duration, to find the slow one behind a figure (EF picks up the ILoggerFactory).
            services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true)
                .AddFilter((category, level) => category == DbLoggerCategory.Database.Command.Name && level >= LogLevel.Information));
        }

        _services = services.BuildServiceProvider();
        Factory = _services.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    /// <summary>Main file plus WAL, as the disk holds it.</summary>
    public long SizeBytes => new[] { Path, Path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    /// <summary>A new migrated database: at <paramref name="keepAt"/> (replaced if present) or in a temp dir deleted on dispose.</summary>
    public static async Task<BenchDatabase> CreateFreshAsync(string? keepAt, CancellationToken cancellationToken)
    {
        string path;
        string? temp = null;
        if (keepAt is null)
        {
            temp = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bi-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            path = System.IO.Path.Combine(temp, "bench.db");
        }
        else
        {
            path = System.IO.Path.GetFullPath(keepAt);
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }

        var db = new BenchDatabase(path, temp);
        await DatabaseMigrator.MigrateAsync(db.Factory, cancellationToken);
        return db;
    }

    /// <summary>An existing database (e.g. kept by a harvest run), migrated to the latest schema.</summary>
    public static async Task<BenchDatabase> OpenAsync(string path, CancellationToken cancellationToken, bool deleteOnDispose = false)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"No database at {full}.", full);
        }

        var db = new BenchDatabase(full, tempDirectory: null) { _deleteOnDispose = deleteOnDispose };
        await DatabaseMigrator.MigrateAsync(db.Factory, cancellationToken);
        return db;
    }

    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Folds the WAL into the main file so the file size is the database's size.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Folds a file's WAL into it (before copying the file).</summary>
    public static async Task CheckpointFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={System.IO.Path.GetFullPath(path)}");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_deleteOnDispose)
        {
            foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
            {
                File.Delete(file);
            }
        }

        if (_tempDirectory is not null)
        {
            try
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp file left behind is harmless.
            }
        }
    }
}
