using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Integration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Harvesting;

/// <summary>A real SQLite file in a temp dir, a scripted Batch account and a test clock.</summary>
internal sealed class HarvestTestContext : IAsyncDisposable
{
    private readonly HarvestDatabase _database;

    private HarvestTestContext(HarvestDatabase database)
    {
        _database = database;
        Db = database.Factory;
        Apis[BatchData.Target] = new FakeBatchApi(BatchData.Target);
        Notifier = new HarvestNotifier(NullLogger<HarvestNotifier>.Instance);
        Harvester = new BatchHarvester(Db, t => Apis.TryGetValue(t, out var api) ? api : throw new InvalidOperationException($"No fake for {t}"),
            Notifier, Time, NullLogger<BatchHarvester>.Instance);
    }

    public IDbContextFactory<BatchInsightsDbContext> Db { get; }
    public FakeTimeProvider Time { get; } = new(BatchData.Start);
    public Dictionary<AwsTarget, FakeBatchApi> Apis { get; } = [];
    public FakeBatchApi Api => Apis[BatchData.Target];
    public HarvestNotifier Notifier { get; }
    public BatchHarvester Harvester { get; }

    /// <summary>The schema comes from the app's own migrations (Integration/HarvestDatabase).</summary>
    public static async Task<HarvestTestContext> CreateAsync() => new(await HarvestDatabase.CreateAsync());

    /// <summary>A standard small account: one CE, two queues, two job definition revisions.</summary>
    public HarvestTestContext WithInventory(FakeBatchApi? api = null)
    {
        api ??= Api;
        api.ComputeEnvironments.Add(BatchData.ComputeEnvironment("ce-spot"));
        api.Queues.Add(BatchData.Queue("analytics"));
        api.Queues.Add(BatchData.Queue("etl"));
        api.JobDefinitions.Add(BatchData.JobDefinition("etl", 1));
        api.JobDefinitions.Add(BatchData.JobDefinition("etl", 2));
        return this;
    }

    public Task<HarvestRunRow> HarvestAsync(CancellationToken cancellationToken = default) =>
        Harvester.HarvestAsync(BatchData.Target, cancellationToken);

    public async Task<List<JobRow>> JobsAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().OrderBy(j => j.JobId).ToListAsync();
    }

    public async Task<JobRow?> JobAsync(string jobId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.JobId == jobId);
    }

    public async Task<List<HarvestRunRow>> RunsAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
    }

    /// <summary>
    /// Every stored Batch row as text, in key order. Inventory HarvestedAt ("last seen") is left out;
    /// job HarvestedAt ("last changed") only when asked, since it is the time of the writing run.
    /// </summary>
    public Task<string> DumpAsync(bool includeJobHarvestedAt) => DumpAsync(Db, includeJobHarvestedAt);

    /// <inheritdoc cref="DumpAsync(bool)"/>
    public static async Task<string> DumpAsync(IDbContextFactory<BatchInsightsDbContext> factory, bool includeJobHarvestedAt)
    {
        await using var db = await factory.CreateDbContextAsync();
        var text = new StringBuilder();
        foreach (var ce in await db.ComputeEnvironments.AsNoTracking().OrderBy(x => x.Arn).ToListAsync())
        {
            ce.HarvestedAt = default;
            text.AppendLine(JsonSerializer.Serialize(ce));
        }

        foreach (var q in await db.JobQueues.AsNoTracking().OrderBy(x => x.Arn).ToListAsync())
        {
            q.HarvestedAt = default;
            text.AppendLine(JsonSerializer.Serialize(q));
        }

        foreach (var jd in await db.JobDefinitions.AsNoTracking().OrderBy(x => x.Arn).ToListAsync())
        {
            jd.HarvestedAt = default;
            text.AppendLine(JsonSerializer.Serialize(jd));
        }

        foreach (var job in await db.Jobs.AsNoTracking().OrderBy(x => x.JobId).ToListAsync())
        {
            if (!includeJobHarvestedAt)
            {
                job.HarvestedAt = default;
            }

            text.AppendLine(JsonSerializer.Serialize(job));
        }

        foreach (var attempt in await db.JobAttempts.AsNoTracking().OrderBy(x => x.JobId).ThenBy(x => x.AttemptIndex).ToListAsync())
        {
            text.AppendLine(JsonSerializer.Serialize(attempt));
        }

        var jobs = await db.Jobs.CountAsync();
        var attempts = await db.JobAttempts.CountAsync();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"jobs={jobs} attempts={attempts}"));
        return text.ToString();
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
