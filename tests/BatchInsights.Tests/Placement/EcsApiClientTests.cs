using BatchInsights.Core.Aws;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Tests.Placement;

/// <summary>EcsApiClient against the sandbox's ECS endpoint: batching, throttling retries, access denied.</summary>
public sealed class EcsApiClientTests
{
    [Fact]
    public async Task DescribeContainerInstancesAsync_HalfTheCallsThrottled_RetriesAndReturnsEveryArn()
    {
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": { \"DescribeContainerInstances\": { \"throttleShare\": 0.5 } }");
        await sandbox.HarvestBatchAsync();
        var (_, _, attempts) = await sandbox.ReadAsync();
        var byCluster = attempts.Select(a => a.ContainerInstanceArn).OfType<string>().Distinct()
            .GroupBy(a => InstanceHarvester.ClusterOfContainerInstance(a)!)
            .OrderByDescending(g => g.Count()).First();
        var client = sandbox.NewEcs();

        var result = await client.DescribeContainerInstancesAsync(byCluster.Key, byCluster.ToList(), CancellationToken.None);

        // More than 100 ARNs: several calls, each answered for every ARN it carried (found or MISSING).
        Assert.True(byCluster.Count() > EcsApiClient.MaxPerCall, $"only {byCluster.Count()} container instances in {byCluster.Key}");
        Assert.Equal(byCluster.Order(), result.Found.Select(f => f.Arn).Concat(result.Failures.Select(f => f.Arn!)).Order());
        Assert.True(client.Stats.Throttled > 0);
    }

    [Fact]
    public async Task DescribeContainerInstancesAsync_AccessDenied_ErrorNamesThePermission()
    {
        await using var sandbox = await PlacementSandbox.StartAsync("\"faults\": { \"DescribeContainerInstances\": { \"accessDenied\": true } }");

        var ex = await Assert.ThrowsAsync<AwsApiException>(() =>
            sandbox.NewEcs().DescribeContainerInstancesAsync("AWSBatch-x", ["arn:aws:ecs:us-east-1:123456789012:container-instance/AWSBatch-x/1"], CancellationToken.None));

        Assert.Equal("AccessDeniedException", ex.ErrorCode);
        Assert.Contains("ecs:DescribeContainerInstances", ex.Message, StringComparison.Ordinal);
    }
}
