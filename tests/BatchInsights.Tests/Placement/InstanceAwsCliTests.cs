using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Placement;

/// <summary>The AWS CLI (a client nobody here wrote) reads the sandbox's instances and container instances.</summary>
public sealed class InstanceAwsCliTests : IAsyncLifetime
{
    private PlacementSandbox _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await PlacementSandbox.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [PythonFact("botocore")]
    public async Task DescribeInstances_BatchTagFilterAndPaging_CliFollowsEveryPage()
    {
        var all = await AwsCli.RunJsonAsync(_sandbox.Server.BaseAddress, "ec2", "describe-instances", "--filters", "Name=tag-key,Values=AWSBatchServiceTag");
        var paged = await AwsCli.RunJsonAsync(_sandbox.Server.BaseAddress, "ec2", "describe-instances", "--filters", "Name=tag-key,Values=AWSBatchServiceTag", "--page-size", "5");

        var ids = all.GetProperty("Reservations").EnumerateArray().SelectMany(r => r.GetProperty("Instances").EnumerateArray()).Select(i => i.GetProperty("InstanceId").GetString()).ToList();
        var pagedIds = paged.GetProperty("Reservations").EnumerateArray().SelectMany(r => r.GetProperty("Instances").EnumerateArray()).Select(i => i.GetProperty("InstanceId").GetString()).ToList();
        Assert.True(ids.Count > 5, $"only {ids.Count} instances");
        Assert.Equal(ids, pagedIds);
        Assert.All(all.GetProperty("Reservations").EnumerateArray().SelectMany(r => r.GetProperty("Instances").EnumerateArray()),
            i => Assert.Contains(i.GetProperty("Tags").EnumerateArray(), t => t.GetProperty("Key").GetString() == "AWSBatchServiceTag"));
    }

    [PythonFact("botocore")]
    public async Task DescribeContainerInstances_AnAttemptsArn_CliSeesItsInstanceTypeAndZone()
    {
        await _sandbox.HarvestBatchAsync();
        var (_, _, attempts) = await _sandbox.ReadAsync();
        var arn = attempts.Select(a => a.ContainerInstanceArn).OfType<string>().Last();
        var cluster = Core.Harvesting.InstanceHarvester.ClusterOfContainerInstance(arn)!;
        var truth = _sandbox.Server.Account.FindContainerInstance(arn)!;

        var result = await AwsCli.RunJsonAsync(_sandbox.Server.BaseAddress, "ecs", "describe-container-instances", "--cluster", cluster, "--container-instances", arn, "nope");

        var found = result.GetProperty("containerInstances").EnumerateArray().ToList();
        var failures = result.GetProperty("failures").EnumerateArray().ToList();
        Assert.Equal(2, found.Count + failures.Count);
        Assert.Contains(failures, f => f.GetProperty("reason").GetString() == "MISSING" && f.GetProperty("arn").GetString()!.EndsWith("/nope", StringComparison.Ordinal));
        if (found.Count == 1)
        {
            var attributes = found[0].GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("value").GetString());
            Assert.Equal((truth.Ec2InstanceId, truth.InstanceType, truth.AvailabilityZone),
                (found[0].GetProperty("ec2InstanceId").GetString(), attributes["ecs.instance-type"], attributes["ecs.availability-zone"]));
        }
    }
}
