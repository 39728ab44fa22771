using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace BatchInsights.Bench;

/// <summary>Where a harvest benchmark writes: a fresh migrated SQLite file or PostgreSQL database.</summary>
internal interface IHarvestStore : IAsyncDisposable
{
    string Description { get; }

    IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    Task<long> SizeBytesAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteHarvestStore(BenchDatabase db) : IHarvestStore
{
    public string Description => "SQLite";

    public IDbContextFactory<BatchInsightsDbContext> Factory => db.Factory;

    public static async Task<IHarvestStore> CreateAsync(string? keepAt, CancellationToken cancellationToken) =>
        new SqliteHarvestStore(await BenchDatabase.CreateFreshAsync(keepAt, cancellationToken));

    public async Task<long> SizeBytesAsync(CancellationToken cancellationToken)
    {
        await db.CheckpointAsync(cancellationToken);
        return db.SizeBytes;
    }

    public ValueTask DisposeAsync() => db.DisposeAsync();
}

/// <summary>
/// A fresh PostgreSQL database: on BATCHINSIGHTS_BENCH_POSTGRES (a connection string of a role that may CREATE
/// DATABASE) when set, else on a throwaway cluster (initdb into a temp dir as the postgres user when run as root,
/// pg_ctl on a free loopback port), as tests/BatchInsights.Tests/Postgres/PostgresServerFixture does.
/// The cluster runs with fsync off, like the test fixture: it measures our side, not the disk.
/// </summary>
internal sealed class PostgresHarvestStore : IHarvestStore
{
    public const string EnvironmentVariable = "BATCHINSIGHTS_BENCH_POSTGRES";
    private const string Superuser = "batchinsights_bench";

    private readonly string _adminConnectionString;
    private readonly string _database;
    private readonly string? _clusterDirectory;
    private readonly string? _binDirectory;
    private readonly string? _runAs;

    private PostgresHarvestStore(string admin, string database, string? clusterDirectory, string? binDirectory, string? runAs, string description)
    {
        _adminConnectionString = admin;
        _database = database;
        _clusterDirectory = clusterDirectory;
        _binDirectory = binDirectory;
        _runAs = runAs;
        Description = description;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, Pooling = true }.ConnectionString;
        Factory = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(
            new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = ConnectionString }));
    }

    public string Description { get; }

    public string ConnectionString { get; }

    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    public static async Task<IHarvestStore> CreateAsync(CancellationToken cancellationToken)
    {
        var database = "bi_bench_" + Guid.NewGuid().ToString("N");
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        PostgresHarvestStore store;
        if (!string.IsNullOrWhiteSpace(external))
        {
            store = new PostgresHarvestStore(external, database, null, null, null, "PostgreSQL (" + EnvironmentVariable + ")");
        }
        else
        {
            var bin = FindBinDirectory() ?? throw new InvalidOperationException(
                $"PostgreSQL server binaries were not found (PATH, /usr/lib/postgresql/*/bin); install postgresql or set {EnvironmentVariable}.");
            var directory = Directory.CreateTempSubdirectory("bi-bench-pg-").FullName;
            string? runAs = null;
            if (Environment.IsPrivilegedProcess)
            {
                // initdb refuses to run as root.
                runAs = "postgres";
                await RunAsync("chown", [runAs, directory], cancellationToken);
            }

            var data = Path.Combine(directory, "data");
            await RunToolAsync(bin, runAs, "initdb", ["-D", data, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], cancellationToken);
            var port = FreeLoopbackPort();
            var options = string.Create(CultureInfo.InvariantCulture,
                $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB");
            await RunToolAsync(bin, runAs, "pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"], cancellationToken);
            var admin = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = Superuser, Database = "postgres", Pooling = false }.ConnectionString;
            store = new PostgresHarvestStore(admin, database, directory, bin, runAs, "PostgreSQL (throwaway cluster, fsync off)");
        }

        await store.ExecuteAdminAsync($"CREATE DATABASE \"{database}\"", cancellationToken);
        await DatabaseMigrator.MigrateAsync(store.Factory, cancellationToken);
        return store;
    }

    public async Task<long> SizeBytesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_clusterDirectory is null)
        {
            await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", CancellationToken.None);
            return;
        }

        try
        {
            await RunToolAsync(_binDirectory!, _runAs, "pg_ctl", ["-D", Path.Combine(_clusterDirectory, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        finally
        {
            try
            {
                Directory.Delete(_clusterDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp dir is harmless.
            }
        }
    }

    private async Task ExecuteAdminAsync(string sql, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_adminConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static string? FindBinDirectory()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").Order(StringComparer.Ordinal).Reverse().Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => new[] { "initdb", "pg_ctl", "postgres" }.All(tool => File.Exists(Path.Combine(d, tool))));
    }

    private static Task RunToolAsync(string bin, string? runAs, string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(bin, tool);
        return runAs is null ? RunAsync(path, arguments, cancellationToken) : RunAsync("runuser", ["-u", runAs, "--", path, .. arguments], cancellationToken);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
