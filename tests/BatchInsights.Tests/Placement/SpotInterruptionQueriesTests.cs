using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Tests.Placement;

/// <summary>The Spot prices page's "Interruptions seen": reclaimed attempts harvested from the sandbox, placed on their instance's type and zone.</summary>
public sealed class SpotInterruptionQueriesTests
{
    [Fact]
    public async Task ListAsync_AfterBatchAndPlacementHarvest_CountsEveryReclaimedAttemptOfTheTypeInItsZone()
    {
        // EC2 lists terminated instances for the whole history, so each reclaim's estimate knows the instance's type and zone.
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000");
        await sandbox.HarvestBatchAsync();
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var (_, mappings, attempts) = await sandbox.ReadAsync();
        var byArn = mappings.ToDictionary(m => m.ContainerInstanceArn);
        // The truth, from the sandbox's own derivation of each reclaimed attempt's container instance.
        var reclaimed = attempts
            .Where(a => InstanceHarvester.ReclaimedInstanceId(a.StatusReason) is not null && a.ContainerInstanceArn is not null)
            .Select(a => (Attempt: a, Truth: sandbox.Server.Account.FindContainerInstance(a.ContainerInstanceArn!)!))
            .ToList();
        Assert.NotEmpty(reclaimed);
        var busiest = reclaimed.GroupBy(r => r.Truth.InstanceType).OrderByDescending(g => g.Count()).First();
        var queries = new SpotInterruptionQueries(sandbox.Database.Factory);

        var result = await queries.ListAsync(busiest.Key, 0, long.MaxValue, TargetFilter.All);

        // Placed by ECS or by the labelled estimate: every reclaim of that type is found, in the zone it really ran in.
        Assert.Equal(busiest.Count(), result.Total);
        Assert.Equal(0, result.UnplacedTotal);
        var expectedZones = busiest.GroupBy(r => r.Truth.AvailabilityZone).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedZones.OrderBy(kv => kv.Key), result.PerZone.OrderBy(kv => kv.Key));
        foreach (var row in result.Recent)
        {
            Assert.Equal(byArn[busiest.First(r => r.Attempt.JobId == row.JobId && r.Attempt.AttemptIndex == row.AttemptIndex).Attempt.ContainerInstanceArn!].Status != ContainerInstanceStatus.Mapped,
                row.ZoneEstimated);
        }

        Assert.Equal(result.Recent.OrderByDescending(r => r.StoppedAtMs).Select(r => r.StoppedAtMs), result.Recent.Select(r => r.StoppedAtMs));
        var other = await queries.ListAsync(busiest.Key, 0, long.MaxValue, TargetFilter.From("another-account", null));
        Assert.Equal(0, other.Total);
    }

    [Fact]
    public async Task ListAsync_EcsAndEc2ForgotTheInstances_CountsTheReclaimsAsUnplacedInsteadOfGuessingAType()
    {
        // The default scenario: EC2 and ECS forget an instance an hour after it ends, as AWS does; most of 30 days of
        // reclaims happened long before the first placement harvest.
        await using var sandbox = await PlacementSandbox.StartAsync();
        await sandbox.HarvestBatchAsync();
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var (_, _, attempts) = await sandbox.ReadAsync();
        var reclaims = attempts.Count(a => InstanceHarvester.ReclaimedInstanceId(a.StatusReason) is not null && a.ContainerInstanceArn is not null);
        var queries = new SpotInterruptionQueries(sandbox.Database.Factory);

        var result = await queries.ListAsync("m5.large", 0, long.MaxValue, TargetFilter.All);

        Assert.True(result.UnplacedTotal > 0, "old reclaims should be reported as unplaced");
        Assert.True(result.UnplacedTotal + result.Total <= reclaims);
    }

    [Fact]
    public async Task CeInstances_TargetLabelIsNotTheAccountId_StillFindsTheCesAttemptsAndReclaims()
    {
        // The sandbox target's account label is "sandbox"; its ARNs carry 123456789012.
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000");
        await sandbox.HarvestBatchAsync();
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);

        var view = await new InstanceQueries(sandbox.Database.Factory, sandbox.Clock).GetForComputeEnvironmentAsync("spot-optimal");

        Assert.NotNull(view);
        Assert.NotEqual("123456789012", PlacementSandbox.Target.Account);
        Assert.Contains(view.Instances, i => i.Attempts > 0);
        Assert.Contains(view.Interruptions, g => g.ReclaimedAttempts > 0);
    }
}
