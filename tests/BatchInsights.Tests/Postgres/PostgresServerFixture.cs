using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace BatchInsights.Tests.Postgres;

/// <summary>Every PostgreSQL test class joins this collection and so shares one server for the run.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "Postgres";
}

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb into a temp dir, started with pg_ctl on a free
/// loopback port (fsync off), stopped and deleted on dispose. Set BATCHINSIGHTS_TEST_POSTGRES to the
/// connection string of an existing server (a superuser, or a role allowed to CREATE DATABASE) to use it
/// instead. Tests get a fresh database each from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "BATCHINSIGHTS_TEST_POSTGRES";

    private const string Superuser = "batchinsights_test";

    // initdb refuses to run as root: then the cluster belongs to the Debian package's account, else to nobody.
    private static readonly string[] UnprivilegedUsers = ["postgres", "nobody"];

    private string? _directory;
    private string? _binDirectory;
    private string? _runAs;
    private string _adminConnectionString = "";
    private string? _migratedTemplate;
    private bool _started;

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            _adminConnectionString = external;
            await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(10));
            return;
        }

        _binDirectory = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin: "
            + $"install postgresql: ./test.sh does it (apt-get install postgresql). Or set {EnvironmentVariable} to a connection string.");
        _directory = Directory.CreateTempSubdirectory("bi-postgres-").FullName;
        var data = Path.Combine(_directory, "data");
        if (Environment.IsPrivilegedProcess)
        {
            var accounts = File.Exists("/etc/passwd") ? File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet(StringComparer.Ordinal) : [];
            _runAs = UnprivilegedUsers.FirstOrDefault(accounts.Contains)
                ?? throw new InvalidOperationException("Running as root, and neither a 'postgres' nor a 'nobody' account exists to run initdb as.");
            await RunAsync("chown", [_runAs, _directory]);
        }

        await RunToolAsync("initdb", ["-D", data, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);

        var port = FreeLoopbackPort();
        var serverOptions = string.Create(CultureInfo.InvariantCulture,
            $"-p {port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        var log = Path.Combine(_directory, "server.log");
        try
        {
            await RunToolAsync("pg_ctl", ["-D", data, "-l", log, "-o", serverOptions, "-w", "-t", "60", "start"]);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}\nServer log:\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "(none)")}", ex);
        }

        _started = true;

        _adminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Database = "postgres",
            Pooling = false,
        }.ConnectionString;
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_directory is null)
        {
            if (_migratedTemplate is not null)
            {
                await DropDatabaseAsync(_migratedTemplate);
            }

            return;
        }

        try
        {
            if (_started)
            {
                // Immediate: the cluster is thrown away, nothing needs a clean shutdown.
                await RunToolAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp dir is harmless; never fail the run over cleanup.
            }
        }
    }

    /// <summary>True when this run owns the cluster (so <see cref="RestartAsync"/> restarts the server process).</summary>
    public bool OwnsServer => _directory is not null;

    /// <summary>The superuser connection string of the server (database "postgres").</summary>
    public string AdminConnectionString => _adminConnectionString;

    /// <summary>
    /// Restarts the server as an operator or a failover would: <c>pg_ctl restart -m fast</c> ends every connection,
    /// and the server comes back on the same port with the same options. On an external server
    /// (<see cref="EnvironmentVariable"/>) the test run may not restart it: then every connection to
    /// <paramref name="database"/> is ended with pg_terminate_backend, which clients see the same way.
    /// </summary>
    public async Task RestartAsync(string database)
    {
        if (OwnsServer)
        {
            // -l: the restarted server logs to the file, not into this process's pipe; its options come from postmaster.opts.
            await RunToolAsync("pg_ctl", ["-D", Path.Combine(_directory!, "data"), "-l", Path.Combine(_directory!, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"]);
        }
        else
        {
            await ExecuteAdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        }

        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A new empty database (no schema), dropped when the returned object is disposed.</summary>
    public Task<PostgresTestDatabase> CreateDatabaseAsync() => CreateDatabaseAsync(template: null);

    /// <summary>
    /// A new database with the app's migrations applied, copied from a template migrated once per run
    /// (CREATE DATABASE … TEMPLATE is a file copy: much faster than migrating each time).
    /// </summary>
    public async Task<PostgresTestDatabase> CreateMigratedDatabaseAsync()
    {
        // No lock: the tests of one collection run one at a time.
        if (_migratedTemplate is null)
        {
            await using var template = await CreateDatabaseAsync();
            await template.MigrateAsync();
            template.ClearPool();
            _migratedTemplate = template.Name;
            // Dropped with the cluster, or (external server) on dispose: keep it past this using.
            template.KeepOnDispose();
        }

        return await CreateDatabaseAsync(_migratedTemplate);
    }

    private async Task<PostgresTestDatabase> CreateDatabaseAsync(string? template)
    {
        var name = "bi_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAdminAsync(template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        // Pooled, as the app's connections are.
        var connectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
        return new PostgresTestDatabase(this, name, connectionString);
    }

    internal async Task DropDatabaseAsync(string name)
    {
        // FORCE (PostgreSQL 13+) ends connections a pool may still hold.
        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await ExecuteAdminAsync("SELECT 1");
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string? FindBinDirectory()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            // Debian keeps server binaries off PATH, one directory per major version: take the newest.
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => new[] { "initdb", "pg_ctl", "postgres" }.All(tool => File.Exists(Path.Combine(d, tool))));
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binDirectory!, tool);
        return _runAs is null ? RunAsync(path, arguments) : RunAsync("runuser", ["-u", _runAs, "--", path, .. arguments]);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A C locale whatever the machine's: initdb fails on a LANG the system has not generated.
        start.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One database of the test server, with the app's EF options for it; dropped on dispose.</summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly PostgresServerFixture _server;
    private bool _keep;

    internal PostgresTestDatabase(PostgresServerFixture server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
        Options = new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString };
        Factory = new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(Options));
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public DatabaseOptions Options { get; }

    /// <summary>The same kind of factory the app registers (AddDbContextFactory over the app's options).</summary>
    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    /// <summary>Applies the PostgreSQL migrations, as the app does at start.</summary>
    public Task MigrateAsync() => DatabaseMigrator.MigrateAsync(Factory, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        ClearPool();
        if (!_keep)
        {
            await _server.DropDatabaseAsync(Name);
        }
    }

    internal void KeepOnDispose() => _keep = true;

    internal void ClearPool()
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(connection);
    }
}
