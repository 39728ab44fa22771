using System.Globalization;
using System.Net.Sockets;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BatchInsights.Web.Hosting;

/// <summary>
/// Opens and migrates the database at start. A PostgreSQL server that does not answer yet (a database container
/// starting beside the app, a failover) is retried with back-off for Database:StartupRetrySeconds, with one log line
/// per attempt, and then reported in one sentence instead of a crash loop of stack traces. Anything else (a wrong
/// password, a missing database, an unwritable SQLite path) fails at once: waiting would not fix it.
/// </summary>
internal static class DatabaseStartup
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public static async Task MigrateAsync(
        IDbContextFactory<BatchInsightsDbContext> factory, DatabaseOptions options, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var budget = TimeSpan.FromSeconds(options.StartupRetrySeconds);
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DatabaseMigrator.MigrateAsync(factory, cancellationToken);
                if (attempt > 1)
                {
                    logger.LogInformation("The database at {Database} answered after {Attempts} attempts", Describe(options), attempt);
                }

                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var waited = time.GetElapsedTime(started);
                // Retry while budget is left (the last wait is cut to fit it): a first attempt that was merely slow, on a
                // busy machine, still gets its retry instead of failing before the configured time.
                if (!IsUnreachable(e) || waited >= budget)
                {
                    var retried = attempt > 1
                        ? string.Create(CultureInfo.InvariantCulture, $" after {attempt} attempts over {waited.TotalSeconds:F0} s (Database:StartupRetrySeconds={options.StartupRetrySeconds})")
                        : "";
                    throw new DatabaseUnavailableException(
                        $"The database could not be opened or migrated{retried} (Database:Provider={options.Provider}, {Describe(options)}; "
                        + $"check Database:ConnectionString and that the server is running): {Reason(e)}", e);
                }

                var wait = delay < budget - waited ? delay : budget - waited;
                logger.LogWarning(
                    "The database at {Database} is unreachable ({Reason}); attempt {Attempt}, retrying in {Delay:0.#} s (Database:StartupRetrySeconds={Budget})",
                    Describe(options), Reason(e), attempt, wait.TotalSeconds, options.StartupRetrySeconds);
                await Task.Delay(wait, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// A server that may answer soon: refused or timed-out connections, and PostgreSQL's own "starting up" /
    /// "shutting down" / "too many connections" (Npgsql marks those transient). Never SQLite errors.
    /// </summary>
    internal static bool IsUnreachable(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is NpgsqlException { IsTransient: true } or SocketException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the database is, without the password: host, port and database for PostgreSQL, the file for SQLite.</summary>
    internal static string Describe(DatabaseOptions options)
    {
        try
        {
            if (options.Provider == DatabaseProvider.Postgres)
            {
                var b = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                return string.Create(CultureInfo.InvariantCulture, $"Host={b.Host};Port={b.Port};Database={b.Database}");
            }

            return "Data Source=" + new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        }
        catch (ArgumentException)
        {
            return "an unreadable connection string";
        }
    }

    private static string Reason(Exception e)
    {
        // The innermost message is the one that says what happened ("Connection refused"); wrappers add "see inner".
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return e.Message.Contains(innermost.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} {innermost.Message}";
    }
}
