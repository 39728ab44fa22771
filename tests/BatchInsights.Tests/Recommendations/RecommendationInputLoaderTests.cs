using BatchInsights.Core.Catalog;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Placement;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Recommendations;

public sealed class RecommendationInputLoaderTests
{
    [Fact]
    public async Task LoadAsync_SandboxHarvest_FeedsRulesWithCesQueuesJobsAndSpotPools()
    {
        await using var sandbox = await PlacementSandbox.StartAsync();
        await sandbox.HarvestBatchAsync();
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock);
        await new SpotPriceHarvester(sandbox.Database.Factory, _ => sandbox.NewEc2(), catalog, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            sandbox.Clock, NullLogger<SpotPriceHarvester>.Instance).HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var loader = new RecommendationInputLoader(sandbox.Database.Factory, catalog, sandbox.Clock);

        var input = await loader.LoadAsync(new RecommendationSettings());
        var recommendations = new Recommender([new InstanceTypesRule(), new SpotBidRule()]).Evaluate(input);

        Assert.Contains(input.ComputeEnvironments, c => c.IsSpot && c.BidPercentage == 60);
        Assert.True(Assert.Single(input.Queues, q => q.Name == "critical").HasMultiNodeJobs);
        Assert.NotEmpty(input.Jobs);
        Assert.All(input.Jobs, j => Assert.NotEqual("", j.ComputeEnvironment));
        Assert.NotEmpty(input.SpotPrices);
        // No network harvest yet: the CEs' AZs are unknown, so no AZ is ruled out (and the sandbox serves pools in all six).
        Assert.All(input.ComputeEnvironments, c => Assert.Empty(c.AvailabilityZones));
        Assert.Contains(input.SpotPrices, s => s.AvailabilityZone == "us-east-1d");
        Assert.Contains(input.Offers, o => o.Spot.Count > 0 && o.OnDemandUsdPerHour is not null);
        var bid60 = input.ComputeEnvironments.Single(c => c.BidPercentage == 60).Name;
        var advice = Assert.Single(recommendations, r => r.RuleId == SpotBidRule.RuleId && r.Target.Name == bid60);
        Assert.Contains(advice.Changes, c => c.FieldPath == "computeResources.bidPercentage" && c.ProposedValue == ProposedChange.Unset);
        Assert.Contains(advice.Evidence, e => e.Kind == EvidenceKind.Series);
    }
}
