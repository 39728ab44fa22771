using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Recommendations;

/// <summary>The default sandbox harvested over HTTP (Batch, Spot prices, instances, network), costed, then the job rules.</summary>
public sealed class JobRulesSandboxTests
{
    [Fact]
    public async Task Evaluate_SandboxHarvest_ExplainsNeverFittingDefinitionIsolatedCeAndFailures()
    {
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000");
        await sandbox.HarvestBatchAsync();
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock);
        var notifier = new HarvestNotifier(NullLogger<HarvestNotifier>.Instance);
        await new SpotPriceHarvester(sandbox.Database.Factory, _ => sandbox.NewEc2(), catalog, notifier, sandbox.Clock, NullLogger<SpotPriceHarvester>.Instance)
            .HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        using var http = new HttpClient();
        var credentials = AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);
        await new NetworkHarvester(sandbox.Database.Factory, _ => sandbox.NewEc2(),
                target => new CloudWatchApiClient(http, target, sandbox.Server.BaseAddress, credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System)),
                notifier, sandbox.Clock, NullLogger<NetworkHarvester>.Instance)
            .HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        await new CostRollupService(sandbox.Database.Factory, catalog, Options.Create(new CostOptions()), sandbox.Clock, NullLogger<CostRollupService>.Instance)
            .RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);
        var input = await new RecommendationInputLoader(sandbox.Database.Factory, catalog, sandbox.Clock).LoadAsync(new RecommendationSettings(), TimeSpan.FromDays(30));

        var results = new Recommender([new StuckJobsRule(), new ServerlessFitRule(), new NetworkPathRule()]).Evaluate(input);

        // Each CE's AZs come from its harvested subnets: the only AZs whose Spot pools are evidence for it.
        Assert.Equal(["us-east-1a", "us-east-1b", "us-east-1c"], input.ComputeEnvironments.Single(c => c.Name == "spot-optimal").AvailabilityZones);
        Assert.Equal(["us-east-1a", "us-east-1b"], input.ComputeEnvironments.Single(c => c.Name == "lab-isolated").AvailabilityZones);

        // genome-assembly-xl asks for 1,000 GiB on batch-spot-optimal ("optimal"): no allowed type is that large.
        var genome = Assert.Single(results, r => r.Title == "batch-spot-optimal: genome-assembly-xl fits no allowed instance type");
        Assert.Equal(("spot-optimal", RecommendationSeverity.Critical), (genome.Target.Name, genome.Severity));
        var types = Assert.Single(genome.Changes);
        Assert.Equal(("computeResources.instanceTypes", "optimal"), (types.FieldPath, types.CurrentValue));
        var added = input.Offers.Single(o => o.InstanceType == types.ProposedValue.Split(',')[^1]);
        Assert.True(added.MemoryMib * SlicePacking.UsableMemoryShare >= 1_024_000, added.InstanceType);

        // lab-isolated has no path to ECS: the lab queue's jobs stay RUNNABLE because of it.
        var lab = Assert.Single(results, r => r.Target.Name == "lab-isolated");
        Assert.Equal((RecommendationTargetKind.ComputeEnvironment, RecommendationSeverity.Critical), (lab.Target.Kind, lab.Severity));
        Assert.Contains("no network path to ECS", lab.Title, StringComparison.Ordinal);
        Assert.Contains(lab.Evidence, e => e.Title == "RUNNABLE jobs" && e.Rows.All(row => row[1] == "lab-notebook"));

        // Spot reclaims (spot-bid60 reclaims 8 % of attempts) and out-of-memory kills, with the money they cost.
        var reclaims = results.Where(r => r.Title.EndsWith(": Spot reclaims", StringComparison.Ordinal)).ToList();
        Assert.Contains(reclaims, r => r.Target.Name == "etl-nightly");
        Assert.Contains(input.Failures, f => f.Cause == "spot-reclaim" && f.CostUsd > 0);
        var oom = results.Where(r => r.Title.EndsWith(": out of memory (137)", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(oom);
        Assert.All(oom, r => Assert.StartsWith("containerProperties.resourceRequirements.MEMORY", Assert.Single(r.Changes).FieldPath, StringComparison.Ordinal));
        Assert.Contains(input.DefinitionCosts!, d => d.JobDefinition == "etl-nightly" && d.CostUsd > 0 && d.IdleShareUsd > 0);
        Assert.All(results.Where(r => r.RuleId == ServerlessFitRule.RuleId), r => Assert.NotEqual(RecommendationConfidence.High, r.Confidence));
    }
}
