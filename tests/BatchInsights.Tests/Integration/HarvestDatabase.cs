using BatchInsights.Core.Data;
using BatchInsights.Tests.Harvesting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace BatchInsights.Tests.Integration;

/// <summary>A real SQLite file in its own temp dir, with the schema made by the app's migrations.</summary>
internal sealed class HarvestDatabase : IAsyncDisposable
{
    private readonly string _directory;

    private HarvestDatabase(string directory, IDbContextFactory<BatchInsightsDbContext> factory)
    {
        _directory = directory;
        Factory = factory;
    }

    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    public static async Task<HarvestDatabase> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("bi-integ-").FullName;

        // No connection pooling: disposing the database then leaves no open handle on the file
        // without clearing the pools of tests running in parallel.
        var options = DataServiceCollectionExtensions.CreateOptions(new DatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(directory, "batchinsights.db")};Pooling=False",
        });
        var factory = new PooledDbContextFactory<BatchInsightsDbContext>(options);
        await DatabaseMigrator.MigrateAsync(factory, CancellationToken.None);
        return new HarvestDatabase(directory, factory);
    }

    /// <summary>Every stored Batch row as text (see <see cref="HarvestTestContext.DumpAsync(bool)"/>).</summary>
    public Task<string> DumpAsync() => HarvestTestContext.DumpAsync(Factory, includeJobHarvestedAt: true);

    public async Task<List<JobRow>> JobsAsync()
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().OrderBy(j => j.JobId).ToListAsync();
    }

    public async Task<List<JobAttemptRow>> AttemptsAsync()
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.JobAttempts.AsNoTracking().OrderBy(a => a.JobId).ThenBy(a => a.AttemptIndex).ToListAsync();
    }

    public async Task<List<HarvestRunRow>> RunsAsync()
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless; never fail a test over cleanup.
        }

        return ValueTask.CompletedTask;
    }
}
