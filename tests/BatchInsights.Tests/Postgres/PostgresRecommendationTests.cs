using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Placement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// The recommendation loader reads jobs with hand-written SQL (for speed at a million rows): the same sandbox harvested
/// into PostgreSQL and into SQLite from one frozen clock must give the same input and the same advice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRecommendationTests(PostgresServerFixture server)
{
    [Fact]
    public async Task LoadAndEvaluate_SameHarvestInPostgresAndSqlite_GiveTheSameJobsAndRecommendations()
    {
        await using var sandbox = await PlacementSandbox.StartAsync();
        await using var postgres = await server.CreateMigratedDatabaseAsync();
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock);

        var sqlite = await HarvestAndRecommendAsync(sandbox, sandbox.Database.Factory, catalog);
        var pg = await HarvestAndRecommendAsync(sandbox, postgres.Factory, catalog);

        Assert.True(sqlite.Input.Jobs.Count > 1_000, $"the sandbox harvest gave only {sqlite.Input.Jobs.Count} observed jobs");
        Assert.Equal(Jobs(sqlite.Input), Jobs(pg.Input));
        Assert.Equal(sqlite.Input.StuckJobs.Count, pg.Input.StuckJobs.Count);
        Assert.Equal(sqlite.Input.Failures.OrderBy(f => (f.Queue, f.Cause, f.JobDefinition)), pg.Input.Failures.OrderBy(f => (f.Queue, f.Cause, f.JobDefinition)));
        Assert.NotEmpty(sqlite.Recommendations);
        Assert.Equal(Advice(sqlite.Recommendations), Advice(pg.Recommendations));
    }

    private static async Task<(RecommendationInput Input, IReadOnlyList<Recommendation> Recommendations)> HarvestAndRecommendAsync(
        PlacementSandbox sandbox, IDbContextFactory<BatchInsightsDbContext> into, InstanceCatalog catalog)
    {
        await sandbox.HarvestBatchAsync(into);
        await new SpotPriceHarvester(into, _ => sandbox.NewEc2(), catalog, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), sandbox.Clock, NullLogger<SpotPriceHarvester>.Instance)
            .HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        await sandbox.InstanceHarvester(into).HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        await new CostRollupService(into, catalog, Options.Create(new CostOptions()), sandbox.Clock, NullLogger<CostRollupService>.Instance)
            .RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);
        var input = await new RecommendationInputLoader(into, catalog, sandbox.Clock).LoadAsync(new RecommendationSettings());
        var rules = new IRecommendationRule[] { new InstanceTypesRule(), new SpotBidRule(), new StuckJobsRule(), new ServerlessFitRule(), new NetworkPathRule() };
        return (input, new Recommender(rules).Evaluate(input));
    }

    private static List<string> Jobs(RecommendationInput input) =>
        input.Jobs.Select(j => $"{j.Queue}|{j.ComputeEnvironment}|{j.JobDefinition}|{j.Vcpus}|{j.MemoryMib}|{j.Gpus}|{j.Nodes}|{j.StartedAtMs}|{j.StoppedAtMs}")
            .Order(StringComparer.Ordinal).ToList();

    private static List<string> Advice(IReadOnlyList<Recommendation> recommendations) =>
        recommendations.Select(r => $"{r.RuleId}|{r.Target.Name}|{r.Fingerprint}|{r.Savings.MonthlyUsd:F2}")
            .Order(StringComparer.Ordinal).ToList();
}
