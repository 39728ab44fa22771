using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Tests.Placement;

/// <summary>Batch then instances harvested over HTTP from the sandbox: attempts land on the instances the sandbox placed them on.</summary>
public sealed class InstanceHarvesterSandboxTests
{
    // Terminated instances stay listed for the whole history, so one harvest sees every instance the CEs launched.
    private const string LongEc2Memory = "\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000";

    [Fact]
    public async Task HarvestAsync_AfterBatchHarvest_MapsRecentAttemptsToTheInstanceTheSandboxPlacedThemOn()
    {
        await using var sandbox = await PlacementSandbox.StartAsync(LongEc2Memory);
        await sandbox.HarvestBatchAsync();

        var run = await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        var (instances, mappings, attempts) = await sandbox.ReadAsync();
        var mapped = mappings.Where(m => m.Status == ContainerInstanceStatus.Mapped).ToList();
        Assert.NotEmpty(mapped);
        foreach (var m in mapped)
        {
            // The sandbox's own derivation of the ARN (independent of ECS's wire format) names the same instance.
            var truth = sandbox.Server.Account.FindContainerInstance(m.ContainerInstanceArn);
            Assert.NotNull(truth);
            Assert.Equal((truth.Ec2InstanceId, truth.InstanceType, truth.AvailabilityZone), (m.Ec2InstanceId, m.InstanceType, m.AvailabilityZone));
            var instance = Assert.Single(instances, i => i.InstanceId == m.Ec2InstanceId);
            Assert.Equal(truth.ComputeEnvironmentName, instance.ComputeEnvironmentName);
            Assert.Equal(truth.Spot ? "spot" : "on-demand", instance.Lifecycle);
        }

        // ECS forgets deregistered container instances after an hour: most of 30 days of attempts are MISSING, none unasked.
        var arns = attempts.Where(a => a.ContainerInstanceArn != null).Select(a => a.ContainerInstanceArn!).ToHashSet();
        Assert.Equal(arns.Order(), mappings.Select(m => m.ContainerInstanceArn).Order());
        Assert.Contains(mappings, m => m.Status == ContainerInstanceStatus.Missing);
    }

    [Fact]
    public async Task HarvestAsync_ReclaimedAttempt_ItsInstanceShowsTheSpotTerminationAndTheEstimateNamesIt()
    {
        await using var sandbox = await PlacementSandbox.StartAsync(LongEc2Memory);
        await sandbox.HarvestBatchAsync();

        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);

        var (instances, mappings, attempts) = await sandbox.ReadAsync();
        var reclaimed = attempts.Where(a => InstanceHarvester.ReclaimedInstanceId(a.StatusReason) is not null).ToList();
        Assert.NotEmpty(reclaimed);
        foreach (var attempt in reclaimed)
        {
            var id = InstanceHarvester.ReclaimedInstanceId(attempt.StatusReason)!;
            var instance = Assert.Single(instances, i => i.InstanceId == id);
            Assert.Equal("spot", instance.Lifecycle);
            Assert.Equal("Server.SpotInstanceTermination", instance.StateReasonCode);
            Assert.NotNull(instance.TerminatedAtMs);
            Assert.True(instance.TerminatedAtMs >= attempt.StoppedAtMs - 1000, $"{id} terminated before its job was killed");
            var mapping = Assert.Single(mappings, m => m.ContainerInstanceArn == attempt.ContainerInstanceArn);
            if (mapping.Status == ContainerInstanceStatus.Mapped)
            {
                Assert.Equal(id, mapping.Ec2InstanceId);
            }
            else
            {
                // ECS no longer knows it: the estimate comes from the reclaim reason, labelled as such.
                Assert.Equal((id, instance.InstanceType, instance.AvailabilityZone, "reclaim-reason+instance"),
                    (mapping.EstimatedInstanceId, mapping.EstimatedInstanceType, mapping.EstimatedAvailabilityZone, mapping.EstimateBasis));
            }
        }
    }

    [Fact]
    public async Task HarvestAsync_RunAgainLater_AsksOnlyAboutNewContainerInstancesAndKeepsInstanceHours()
    {
        await using var sandbox = await PlacementSandbox.StartAsync();
        await sandbox.HarvestBatchAsync();
        var first = await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        var (before, mappingsBefore, _) = await sandbox.ReadAsync();

        // Two hours on: instances seen running have terminated and dropped out of EC2's listing.
        sandbox.Clock.Advance(TimeSpan.FromHours(2));
        await sandbox.HarvestBatchAsync();
        var second = await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);

        var (after, mappingsAfter, attempts) = await sandbox.ReadAsync();
        Assert.Equal(HarvestOutcome.Succeeded, second.Outcome);
        Assert.All(before, b => Assert.Contains(after, a => a.InstanceId == b.InstanceId));
        Assert.All(mappingsBefore, m => Assert.Contains(mappingsAfter, a => a.ContainerInstanceArn == m.ContainerInstanceArn && a.DescribedAtMs == m.DescribedAtMs));
        var newArns = attempts.Select(a => a.ContainerInstanceArn).OfType<string>().Distinct().Count() - mappingsBefore.Count;
        // One EC2 page, plus one ECS call per cluster with new container instances (at most 100 each here).
        Assert.True(second.Calls <= 1 + (newArns == 0 ? 0 : 3), $"{second.Calls} calls for {newArns} new container instances");
        Assert.True(first.Calls >= 2);
        Assert.DoesNotContain(after, i => i.State is "running" or "pending" && i.LastSeenMs < sandbox.Clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task HarvestAsync_EcsAccessDenied_RunIsPartialNamingThePermissionAndInstancesStillArrive()
    {
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": { \"DescribeContainerInstances\": { \"accessDenied\": true } }");
        await sandbox.HarvestBatchAsync();

        var run = await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Partial, run.Outcome);
        Assert.Contains("ecs:DescribeContainerInstances", run.Error, StringComparison.Ordinal);
        var (instances, mappings, _) = await sandbox.ReadAsync();
        Assert.NotEmpty(instances);
        // Nothing was asked successfully, so nothing is marked missing: the next run (with the permission) asks again.
        Assert.Empty(mappings);
    }
}
