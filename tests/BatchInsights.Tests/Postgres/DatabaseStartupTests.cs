using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BatchInsights.Core.Data;
using BatchInsights.Web.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BatchInsights.Tests.Postgres;

/// <summary>Start-up against a PostgreSQL server that is down, comes up late, or refuses for a reason waiting cannot fix.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseStartupTests(PostgresServerFixture server)
{
    [Fact]
    public async Task MigrateAsync_NothingListens_RetriesWithBackOffThenNamesTheServerNotThePassword()
    {
        var options = Postgres($"Host=127.0.0.1;Port={FreePort()};Database=bi;Username=bi;Password=s3cret-pw;Timeout=2", retrySeconds: 4);
        var log = new ListLogger();

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => MigrateAsync(options, log));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        Assert.True(log.Warnings.Count >= 2, $"Expected a retry line per failed attempt, got: {string.Join(" | ", log.Warnings)}");
        Assert.All(log.Warnings, w => Assert.Contains("retrying in", w, StringComparison.Ordinal));
        Assert.Contains("Database:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("Database:StartupRetrySeconds=4", error.Message, StringComparison.Ordinal);
        Assert.Contains("Host=127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.Message + string.Join(" ", log.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_ServerAnswersAfterAFewSeconds_WaitsAndMigrates()
    {
        await using var database = await server.CreateDatabaseAsync();
        // A loopback port that starts forwarding to the test server only after 2 s: a database container still starting.
        var port = FreePort();
        var target = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        using var stop = new CancellationTokenSource();
        var proxy = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
            await ForwardAsync(port, target.Host!, target.Port, stop.Token);
        });
        var options = Postgres(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = port, Timeout = 2, Pooling = false }.ConnectionString, retrySeconds: 60);
        var log = new ListLogger();

        await MigrateAsync(options, log);

        Assert.NotEmpty(log.Warnings);
        await using var db = await database.Factory.CreateDbContextAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => proxy);
    }

    [Fact]
    public async Task MigrateAsync_RoleDoesNotExist_FailsAtOnceWithoutWaiting()
    {
        var connection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Username = "bi_nobody_" + Guid.NewGuid().ToString("N")[..8] };
        var options = Postgres(connection.ConnectionString, retrySeconds: 60);
        var log = new ListLogger();

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => MigrateAsync(options, log));

        // Waiting would not create the role: no retry, and PostgreSQL's own reason in the message.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Empty(log.Warnings);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    private static DatabaseOptions Postgres(string connectionString, int retrySeconds) =>
        new() { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString, StartupRetrySeconds = retrySeconds };

    private static Task MigrateAsync(DatabaseOptions options, ILogger log) => DatabaseStartup.MigrateAsync(
        new PooledDbContextFactory<BatchInsightsDbContext>(DataServiceCollectionExtensions.CreateOptions(options)), options, log, TimeProvider.System, CancellationToken.None);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A plain TCP forwarder: every connection to <paramref name="port"/> is piped to host:targetPort.</summary>
    private static async Task ForwardAsync(int port, string host, int targetPort, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(async () =>
            {
                using var inbound = client;
                using var outbound = new TcpClient();
                await outbound.ConnectAsync(host, targetPort, cancellationToken);
                var a = inbound.GetStream();
                var b = outbound.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
            }, cancellationToken);
        }
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_warnings)
                {
                    return [.. _warnings];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (_warnings)
                {
                    _warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
