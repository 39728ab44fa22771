using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// moto as an AWS Batch written by someone else: the real client and harvester against it, and what we
/// stored compared with what boto3 reports for the same account.
/// </summary>
public sealed class MotoHarvestTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    private static readonly AwsTarget Target = new("moto", MotoServerFixture.Region);

    // A managed CE, a queue, a job definition, three jobs and an array job of three children. Without
    // Docker moto fails every job it runs; an array parent is not run itself (it stays SUBMITTED).
    private const string Seed = """
        iam, ec2, batch = client("iam"), client("ec2"), client("batch")
        role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        profile = iam.create_instance_profile(InstanceProfileName="batch-instance")["InstanceProfile"]["Arn"]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="batch", Description="batch", VpcId=vpc)["GroupId"]
        ce = batch.create_compute_environment(computeEnvironmentName="ce-integ", type="MANAGED", state="ENABLED", serviceRole=role,
            computeResources=dict(type="EC2", minvCpus=0, maxvCpus=16, desiredvCpus=0, instanceTypes=["m5.large"],
                                  subnets=[subnet], securityGroupIds=[sg], instanceRole=profile))["computeEnvironmentArn"]
        batch.create_job_queue(jobQueueName="queue-integ", state="ENABLED", priority=7, computeEnvironmentOrder=[dict(order=1, computeEnvironment=ce)])
        batch.register_job_definition(jobDefinitionName="jd-integ", type="container",
            containerProperties=dict(image="busybox", command=["true"], resourceRequirements=[dict(type="VCPU", value="2"), dict(type="MEMORY", value="2048")]))
        ids = [batch.submit_job(jobName=f"job-{i}", jobQueue="queue-integ", jobDefinition="jd-integ")["jobId"] for i in range(3)]
        parent = batch.submit_job(jobName="array-job", jobQueue="queue-integ", jobDefinition="jd-integ", arrayProperties=dict(size=3))["jobId"]
        children = [f"{parent}:{i}" for i in range(3)]
        for _ in range(120):
            jobs = batch.describe_jobs(jobs=ids + children)["jobs"]
            if len(jobs) == 6 and all(j["status"] in ("SUCCEEDED", "FAILED") for j in jobs):
                break
            time.sleep(0.25)
        emit(dict(
            ces=batch.describe_compute_environments()["computeEnvironments"],
            queues=batch.describe_job_queues()["jobQueues"],
            definitions=batch.describe_job_definitions()["jobDefinitions"],
            jobs=batch.describe_jobs(jobs=ids + [parent] + children)["jobs"],
            parent=parent))
        """;

    [PythonFact("moto", "boto3")]
    public async Task HarvestAsync_AgainstMoto_StoresWhatBoto3Reports()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var expected = seeded.RootElement;
        await using var database = await HarvestDatabase.CreateAsync();
        using var http = new HttpClient();
        var client = new BatchApiClient(
            http, Target, moto.Endpoint, AwsCredentialSource.Fixed("AKIDMOTO", "moto-secret"), TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System), TimeProvider.System);
        var harvester = new BatchHarvester(
            database.Factory, target => target == Target ? client : throw new InvalidOperationException($"no client for {target}"),
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), TimeProvider.System, NullLogger<BatchHarvester>.Instance);

        var run = await harvester.HarvestAsync(Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        await using var db = await database.Factory.CreateDbContextAsync();
        Assert.Equal(
            Rows(expected, "ces", "computeEnvironmentName", "computeEnvironmentArn", "state"),
            (await db.ComputeEnvironments.AsNoTracking().ToListAsync()).Select(c => Row(c.Name, c.Arn, c.State)));
        var queueNames = expected.GetProperty("queues").EnumerateArray()
            .ToDictionary(q => q.GetProperty("jobQueueArn").GetString()!, q => q.GetProperty("jobQueueName").GetString()!);
        Assert.Equal(
            Rows(expected, "queues", "jobQueueName", "jobQueueArn", "priority"),
            (await db.JobQueues.AsNoTracking().ToListAsync()).Select(q => Row(q.Name, q.Arn, q.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(
            Rows(expected, "definitions", "jobDefinitionName", "jobDefinitionArn", "revision"),
            (await db.JobDefinitions.AsNoTracking().ToListAsync()).Select(d => Row(d.Name, d.Arn, d.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var boto3Jobs = expected.GetProperty("jobs").EnumerateArray()
            .Select(j => Row(
                j.GetProperty("jobId").GetString(),
                j.GetProperty("jobName").GetString(),
                j.GetProperty("status").GetString(),
                queueNames[j.GetProperty("jobQueue").GetString()!],
                j.GetProperty("jobDefinition").GetString(),
                j.GetProperty("createdAt").GetRawText()))
            .Order(StringComparer.Ordinal)
            .ToList();
        var stored = await db.Jobs.AsNoTracking().ToListAsync();
        Assert.Equal(
            boto3Jobs,
            stored.Select(j => Row(j.JobId, j.JobName, j.Status, j.QueueName, j.JobDefinitionArn, j.CreatedAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .Order(StringComparer.Ordinal));
        Assert.Equal(7, stored.Count);
        var parent = expected.GetProperty("parent").GetString()!;
        Assert.Equal(3, stored.Single(j => j.JobId == parent).ArraySize);
        Assert.Equal(
            [$"{parent}:0", $"{parent}:1", $"{parent}:2"],
            stored.Where(j => j.ArrayParentId == parent).Select(j => j.JobId).Order(StringComparer.Ordinal));
    }

    private static string Row(params string?[] values) => string.Join(" | ", values);

    private static List<string> Rows(JsonElement expected, string list, params string[] fields) =>
        expected.GetProperty(list).EnumerateArray()
            .Select(item => Row(fields.Select(f => item.TryGetProperty(f, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null).ToArray()))
            .ToList();
}
