using System.Text;
using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Integration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>A migrated SQLite file in a temp dir, a scripted EC2 account, the embedded catalog and a test clock.</summary>
internal sealed class SpotPriceTestContext : IAsyncDisposable
{
    public static readonly AwsTarget Target = new("prod", "us-east-1");
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private readonly HarvestDatabase _database;

    private SpotPriceTestContext(HarvestDatabase database, int typesPerQuery)
    {
        _database = database;
        Db = database.Factory;
        Api = new FakeEc2Api(Target);
        Catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, Time);
        Harvester = new SpotPriceHarvester(Db, t => t == Target ? Api : throw new InvalidOperationException($"No fake for {t}"), Catalog,
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), Time, NullLogger<SpotPriceHarvester>.Instance)
        {
            TypesPerQuery = typesPerQuery,
        };
    }

    public IDbContextFactory<BatchInsightsDbContext> Db { get; }
    public FakeTimeProvider Time { get; } = new(Now);
    public FakeEc2Api Api { get; }
    public InstanceCatalog Catalog { get; }
    public SpotPriceHarvester Harvester { get; }

    public static async Task<SpotPriceTestContext> CreateAsync(int typesPerQuery = 25)
    {
        return new SpotPriceTestContext(await HarvestDatabase.CreateAsync(), typesPerQuery);
    }

    /// <summary>Stores a compute environment of the target with the given instanceTypes (as the Batch harvest would).</summary>
    public async Task AddComputeEnvironmentAsync(string name, string instanceTypes)
    {
        await using var db = await Db.CreateDbContextAsync();
        db.ComputeEnvironments.Add(new ComputeEnvironmentRow
        {
            Account = Target.Account,
            Region = Target.Region,
            Arn = $"arn:aws:batch:us-east-1:123456789012:compute-environment/{name}",
            Name = name,
            Type = "MANAGED",
            InstanceTypes = instanceTypes,
        });
        await db.SaveChangesAsync();
    }

    public Task<HarvestRunRow> HarvestAsync() => Harvester.HarvestAsync(Target, CancellationToken.None);

    public async Task<long?> WatermarkAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.HarvestWatermarks.AsNoTracking()
            .Where(w => w.Account == Target.Account && w.Region == Target.Region && w.Scope == SpotPriceHarvester.WatermarkScope)
            .Select(w => (long?)w.ValueMs)
            .SingleOrDefaultAsync();
    }

    public async Task<List<SpotPriceChangeRow>> RowsAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.SpotPriceChanges.AsNoTracking()
            .OrderBy(x => x.AvailabilityZone).ThenBy(x => x.InstanceType).ThenBy(x => x.ProductDescription).ThenBy(x => x.TimestampMs)
            .ToListAsync();
    }

    public async Task<string> DumpAsync()
    {
        var text = new StringBuilder();
        foreach (var row in await RowsAsync())
        {
            text.AppendLine(JsonSerializer.Serialize(row));
        }

        return text.ToString();
    }

    public async Task<List<HarvestRunRow>> RunsAsync()
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
