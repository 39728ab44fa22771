using BatchInsights.Core.Access;
using BatchInsights.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Access;

/// <summary>
/// The access services as the app registers them (Identity over the app's database, migrated for real on a SQLite
/// file), with a fixed clock and a log the test can read.
/// </summary>
internal sealed class AccessHost : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _owner;
    private readonly ServiceProvider _provider;

    private AccessHost(IDictionary<string, string?> settings, string? directory = null)
    {
        _directory = directory ?? Directory.CreateTempSubdirectory("bi-access-").FullName;
        _owner = directory is null;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging(b => b.AddProvider(Log));
        services.AddBatchInsightsData(new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(_directory, "access.db")};Pooling=False",
        });
        services.AddAccess();
        _provider = services.BuildServiceProvider();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public CapturingLoggerProvider Log { get; } = new();

    public IServiceProvider Services => _provider;

    public static async Task<AccessHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var host = new AccessHost(settings ?? new Dictionary<string, string?>());
        await DatabaseMigrator.MigrateAsync(host._provider.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>(), CancellationToken.None);
        return host;
    }

    /// <summary>A second "instance": its own services over the same database file.</summary>
    public static AccessHost Sharing(AccessHost other) => new(new Dictionary<string, string?>(), other._directory);

    /// <summary>A fresh scope, as a request or a Blazor circuit gets.</summary>
    public AsyncServiceScope Scope() => _provider.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_owner)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                owner._lines.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
