using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Integration;
using BatchInsights.Tests.SpotPrices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Placement;

/// <summary>Our EC2 DescribeInstances and ECS client (and the harvester over both) against moto, seeded with boto3.</summary>
public sealed class PlacementMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    // A Batch-tagged Spot-less instance registered in a cluster named like Batch's, and an untagged instance.
    private const string Seed = """
        ec2, ecs = client("ec2"), client("ecs")
        cluster = ecs.create_cluster(clusterName="AWSBatch-ce1-abc")["cluster"]["clusterArn"]
        tagged = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="c5.large",
            TagSpecifications=[dict(ResourceType="instance", Tags=[dict(Key="AWSBatchServiceTag", Value="batch"),
                                                                  dict(Key="aws:autoscaling:groupName", Value="AWSBatch-ce1-asg-1")])])["Instances"][0]
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="m5.large")
        doc = dict(instanceId=tagged["InstanceId"], instanceType="c5.large", availabilityZone=tagged["Placement"]["AvailabilityZone"])
        ci = ecs.register_container_instance(cluster="AWSBatch-ce1-abc", instanceIdentityDocument=json.dumps(doc))["containerInstance"]
        emit(dict(cluster=cluster, instance=tagged["InstanceId"], zone=tagged["Placement"]["AvailabilityZone"], arn=ci["containerInstanceArn"]))
        """;

    private EcsApiClient Ecs(HttpClient http) => new(http, TestClients.Target, moto.Endpoint, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
        TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System));

    [PythonFact("moto", "boto3")]
    public async Task ClientsAgainstMoto_DescribeInstancesAndContainerInstances_AgreeWithBoto3()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var s = seeded.RootElement;
        using var ec2 = Ec2Clients.Create(moto.Endpoint);
        using var http = new HttpClient();
        var missingArn = s.GetProperty("arn").GetString()![..(s.GetProperty("arn").GetString()!.LastIndexOf('/') + 1)] + "gone";

        var instances = await ec2.DescribeInstancesAsync([new Ec2Filter("tag-key", [InstanceHarvester.BatchServiceTag])], CancellationToken.None);
        var described = await Ecs(http).DescribeContainerInstancesAsync("AWSBatch-ce1-abc", [s.GetProperty("arn").GetString()!, missingArn], CancellationToken.None);

        var instance = Assert.Single(instances);
        Assert.Equal((s.GetProperty("instance").GetString(), "c5.large", s.GetProperty("zone").GetString(), null, "running"),
            (instance.InstanceId, instance.InstanceType, instance.AvailabilityZone, instance.Lifecycle, instance.State));
        Assert.Equal("AWSBatch-ce1-asg-1", instance.Tags["aws:autoscaling:groupName"]);
        var ci = Assert.Single(described.Found);
        Assert.Equal((s.GetProperty("arn").GetString(), s.GetProperty("instance").GetString(), "c5.large", s.GetProperty("zone").GetString(), "ACTIVE"),
            (ci.Arn, ci.Ec2InstanceId, ci.InstanceType, ci.AvailabilityZone, ci.Status));
        Assert.Equal("MISSING", Assert.Single(described.Failures).Reason);
    }

    [PythonFact("moto", "boto3")]
    public async Task HarvestAsync_AgainstMoto_StoresTheInstanceAndMapsTheAttempt()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var s = seeded.RootElement;
        var arn = s.GetProperty("arn").GetString()!;
        await using var database = await HarvestDatabase.CreateAsync();
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.ComputeEnvironments.Add(new ComputeEnvironmentRow
            {
                Account = TestClients.Target.Account, Region = TestClients.Target.Region, Arn = "arn:aws:batch:us-east-1:123456789012:compute-environment/ce1",
                Name = "ce1", Type = "MANAGED", ResourceType = "EC2", InstanceTypes = "c5.large", EcsClusterArn = s.GetProperty("cluster").GetString(),
            });
            db.JobAttempts.Add(new JobAttemptRow { Account = TestClients.Target.Account, Region = TestClients.Target.Region, JobId = "j1", ContainerInstanceArn = arn });
            db.JobAttempts.Add(new JobAttemptRow { Account = TestClients.Target.Account, Region = TestClients.Target.Region, JobId = "j2", ContainerInstanceArn = arn[..(arn.LastIndexOf('/') + 1)] + "gone" });
            await db.SaveChangesAsync();
        }

        using var http = new HttpClient();
        var harvester = new InstanceHarvester(database.Factory, _ => Ec2Clients.Create(moto.Endpoint), _ => Ecs(http),
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger<InstanceHarvester>.Instance);

        var run = await harvester.HarvestAsync(TestClients.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        await using var read = await database.Factory.CreateDbContextAsync();
        var instance = Assert.Single(await read.Ec2Instances.ToListAsync());
        Assert.Equal((s.GetProperty("instance").GetString(), "ce1", "on-demand"), (instance.InstanceId, instance.ComputeEnvironmentName, instance.Lifecycle));
        var mappings = await read.ContainerInstances.OrderBy(c => c.Status).ToListAsync();
        Assert.Equal([ContainerInstanceStatus.Mapped, ContainerInstanceStatus.Missing], mappings.Select(m => m.Status));
        Assert.Equal(s.GetProperty("instance").GetString(), mappings[0].Ec2InstanceId);
        // The CE allows a single type, so the forgotten container instance gets that type as a labelled estimate.
        Assert.Equal(("c5.large", "ce-single-type"), (mappings[1].EstimatedInstanceType, mappings[1].EstimateBasis));
    }
}
