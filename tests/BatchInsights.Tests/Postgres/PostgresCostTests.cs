using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Costs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Postgres;

/// <summary>The cost roll-up's queries (grouped watermark spans, anti-join, deletes) on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCostTests(PostgresServerFixture server)
{
    private const long H = CostRollupServiceTests.H;

    [Fact]
    public async Task RunAsync_OnPostgres_ChargesSharesIdleAndEstimatesAndQueriesAgree()
    {
        await using var database = await server.CreateMigratedDatabaseAsync();
        var clock = new FakeTimeProvider(Rows.Now);
        var day0 = CostRollupServiceTests.Day0;
        var (job, attempt, placement) = CostRollupServiceTests.RanOn("a", "i-1", day0 + H, day0 + (3 * H), 1, 1024, Rows.Now);
        var running = Rows.Job("r", "q", "RUNNING", Rows.Now.AddHours(-2));
        running.StartedAtMs = Rows.Ms(Rows.Now.AddHours(-2));
        running.Vcpus = 1;
        running.MemoryMib = 1024;
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.AddRange(Rows.Ce("ce"), Rows.Queue("q", "ce"), CostRollupServiceTests.Instance("i-1", day0 + H, day0 + (3 * H)), job, attempt, placement, running);
            await db.SaveChangesAsync();
        }

        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock);
        var service = new CostRollupService(database.Factory, catalog, Options.Create(new CostOptions()), clock, NullLogger<CostRollupService>.Instance);
        await service.RunAsync(Rows.Account, Rows.Region, CancellationToken.None);
        await service.RunAsync(Rows.Account, Rows.Region, CancellationToken.None);

        var price = catalog.OnDemandPrice("m5.large", Rows.Region)!.UsdPerHour;
        await using var check = await database.Factory.CreateDbContextAsync();
        var costs = await check.AttemptCosts.AsNoTracking().OrderBy(c => c.JobId).ToListAsync();
        Assert.Equal(["a", "r"], costs.Select(c => c.JobId));
        Assert.Equal(CostLedger.ToMicros(price), costs[0].CostMicroUsd);
        Assert.True(costs[1].Estimated);
        var report = await new CostQueries(database.Factory, Options.Create(new CostOptions()), clock)
            .GetAsync(CostGrouping.ComputeEnvironment, null, null, Core.Browse.TargetFilter.All);
        Assert.Equal(price, report.IdleUsd); // half of two hours
        Assert.Equal((price * 2) + (costs[1].CostMicroUsd / 1_000_000m), report.TotalUsd);
    }
}
