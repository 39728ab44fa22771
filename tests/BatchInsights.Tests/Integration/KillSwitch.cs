using System.Data.Common;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace BatchInsights.Tests.Integration;

/// <summary>What a process kill looks like to the database: the connection goes away in the middle of a write.</summary>
internal sealed class SimulatedKillException() : Exception("simulated kill: the process died in the middle of a write");

/// <summary>
/// Kills a harvest in the middle of a commit: the Nth INSERT into a table (one command of a SaveChanges that
/// writes several, inside its transaction) throws, as a process killed there would leave the write. Counts the
/// inserts when not armed, so a test can aim at the middle of a real run's writes.
/// </summary>
internal sealed class KillSwitch : DbCommandInterceptor
{
    private string? _table;
    private int _killAt;
    private int _seen;

    public int Inserts(string table) => _table == table ? _seen : 0;

    public bool Fired { get; private set; }

    /// <summary>Counts inserts into <paramref name="table"/> and throws at number <paramref name="killAt"/> (0 = never).</summary>
    public void Arm(string table, int killAt)
    {
        _table = table;
        _killAt = killAt;
        _seen = 0;
        Fired = false;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(command);
        return ValueTask.FromResult(result);
    }

    private void Check(DbCommand command)
    {
        if (_table is null || !command.CommandText.Contains($"INSERT INTO \"{_table}\"", StringComparison.Ordinal))
        {
            return;
        }

        if (++_seen == _killAt)
        {
            Fired = true;
            throw new SimulatedKillException();
        }
    }
}

internal static class KillAssert
{
    /// <summary>The harvest died of the kill (EF reports it as a DbUpdateException around ours).</summary>
    public static async Task AssertKilledAsync(Func<Task> harvest)
    {
        var ex = await Assert.ThrowsAsync<DbUpdateException>(harvest);
        Assert.IsType<SimulatedKillException>(ex.InnerException);
    }
}

/// <summary>A migrated SQLite file whose context factory goes through a <see cref="KillSwitch"/>.</summary>
internal sealed class KillableDatabase : IAsyncDisposable
{
    private readonly string _directory;

    private KillableDatabase(string directory, IDbContextFactory<BatchInsightsDbContext> factory, KillSwitch kill)
    {
        _directory = directory;
        Factory = factory;
        Kill = kill;
    }

    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    public KillSwitch Kill { get; }

    public static async Task<KillableDatabase> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("bi-kill-").FullName;
        var kill = new KillSwitch();
        var builder = new DbContextOptionsBuilder<BatchInsightsDbContext>();
        DataServiceCollectionExtensions.Configure(builder, new DatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(directory, "batchinsights.db")};Pooling=False",
        });
        builder.AddInterceptors(kill);
        var factory = new PooledDbContextFactory<BatchInsightsDbContext>(builder.Options);
        await DatabaseMigrator.MigrateAsync(factory, CancellationToken.None);
        return new KillableDatabase(directory, factory, kill);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }

        return ValueTask.CompletedTask;
    }
}
