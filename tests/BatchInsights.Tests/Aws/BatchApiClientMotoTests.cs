using System.Text.Json;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

/// <summary>Our client against moto's Batch, compared with what boto3 reports for the same resources.</summary>
public sealed class BatchApiClientMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    // A managed CE (moto checks the role, instance profile, subnet and security group exist), an unmanaged CE,
    // a queue over both, two revisions of a job definition, and three jobs (moto fails them without Docker).
    private const string Seed = """
        iam, ec2, batch = client("iam"), client("ec2"), client("batch")
        role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        profile = iam.create_instance_profile(InstanceProfileName="batch-instance")["InstanceProfile"]["Arn"]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="batch", Description="batch", VpcId=vpc)["GroupId"]
        managed = batch.create_compute_environment(computeEnvironmentName="ce-managed", type="MANAGED", state="ENABLED", serviceRole=role,
            computeResources=dict(type="EC2", minvCpus=0, maxvCpus=16, desiredvCpus=0, instanceTypes=["m5.large", "c5.xlarge"],
                                  subnets=[subnet], securityGroupIds=[sg], instanceRole=profile))["computeEnvironmentArn"]
        unmanaged = batch.create_compute_environment(computeEnvironmentName="ce-unmanaged", type="UNMANAGED", state="ENABLED", serviceRole=role)["computeEnvironmentArn"]
        batch.create_job_queue(jobQueueName="queue-a", state="ENABLED", priority=5,
            computeEnvironmentOrder=[dict(order=1, computeEnvironment=managed), dict(order=2, computeEnvironment=unmanaged)])
        for memory in ("2048", "4096"):
            batch.register_job_definition(jobDefinitionName="jd-a", type="container",
                containerProperties=dict(image="busybox", command=["true"], resourceRequirements=[dict(type="VCPU", value="2"), dict(type="MEMORY", value=memory)]))
        ids = [batch.submit_job(jobName=f"job-{i}", jobQueue="queue-a", jobDefinition="jd-a")["jobId"] for i in range(3)]
        for _ in range(120):
            jobs = batch.describe_jobs(jobs=ids)["jobs"]
            if all(j["status"] in ("SUCCEEDED", "FAILED") for j in jobs):
                break
            time.sleep(0.25)
        status = jobs[0]["status"]
        emit(dict(
            ces=batch.describe_compute_environments()["computeEnvironments"],
            queues=batch.describe_job_queues()["jobQueues"],
            definitions=batch.describe_job_definitions()["jobDefinitions"],
            listed=batch.list_jobs(jobQueue="queue-a", jobStatus=status)["jobSummaryList"],
            jobs=batch.describe_jobs(jobs=ids)["jobs"],
            status=status))
        """;

    [PythonFact("moto", "boto3")]
    public async Task AllReads_AgainstMoto_ReturnExactlyWhatBoto3Reports()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var expected = seeded.RootElement;
        var client = Client();

        var ces = await client.DescribeComputeEnvironmentsAsync(CancellationToken.None);
        var queues = await client.DescribeJobQueuesAsync(CancellationToken.None);
        var definitions = await client.DescribeJobDefinitionsAsync(CancellationToken.None);
        var status = expected.GetProperty("status").GetString()!;
        var page = await client.ListJobsAsync(new ListJobsQuery(JobQueue: "queue-a", JobStatus: status), CancellationToken.None);
        var jobIds = page.Jobs.Select(j => j.JobId).Append("no-such-job").ToList();
        var jobs = await client.DescribeJobsAsync(jobIds, CancellationToken.None);

        Assert.Equal(
            Rows(expected, "ces", "computeEnvironmentName", "computeEnvironmentArn", "type", "state", "status"),
            ces.Select(c => Row(c.Name, c.Arn, c.Type, c.State, c.Status)));
        var managed = Assert.Single(ces, c => c.Name == "ce-managed");
        Assert.Equal(("EC2", 0, 16), (managed.ResourceType, managed.MinvCpus, managed.MaxvCpus));
        Assert.Equal(["m5.large", "c5.xlarge"], managed.InstanceTypes);

        Assert.Equal(
            Rows(expected, "queues", "jobQueueName", "jobQueueArn", "state", "status", "priority"),
            queues.Select(q => Row(q.Name, q.Arn, q.State, q.Status, q.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(
            ces.OrderBy(c => c.Name).Select(c => c.Arn),
            Assert.Single(queues).ComputeEnvironmentOrder.Select(o => o.ComputeEnvironmentArn));

        Assert.Equal(
            Rows(expected, "definitions", "jobDefinitionName", "jobDefinitionArn", "revision", "status", "type"),
            definitions.Select(d => Row(d.Name, d.Arn, d.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Status, d.Type)));
        Assert.Equal([2048L, 4096L], definitions.OrderBy(d => d.Revision).Select(d => d.MemoryMib!.Value));

        Assert.Equal(
            Rows(expected, "listed", "jobId", "jobName", "status", "createdAt", "jobDefinition"),
            page.Jobs.Select(j => Row(j.JobId, j.JobName, j.Status, j.CreatedAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture), j.JobDefinitionArn)));
        Assert.Equal(3, page.Jobs.Count);

        Assert.Equal(
            Rows(expected, "jobs", "jobId", "jobArn", "jobName", "status", "jobQueue", "jobDefinition", "createdAt").OrderBy(r => r),
            jobs.Select(j => Row(j.JobId, j.JobArn, j.JobName, j.Status, j.JobQueueArn, j.JobDefinitionArn, j.CreatedAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture))).OrderBy(r => r));
        Assert.DoesNotContain(jobs, j => j.JobId == "no-such-job");
    }

    [PythonFact("moto", "boto3")]
    public async Task UpdateComputeEnvironment_AgainstMoto_Boto3SeesTheChange()
    {
        await moto.ResetAsync();
        await moto.RunBoto3Async(Seed);
        var client = Client();

        var result = await client.UpdateComputeEnvironmentAsync(new ComputeEnvironmentUpdate("ce-managed", State: "DISABLED"), CancellationToken.None);

        var after = JsonDocument.Parse(await moto.RunBoto3Async("""
            emit(client("batch").describe_compute_environments(computeEnvironments=["ce-managed"])["computeEnvironments"][0])
            """)).RootElement;
        Assert.Equal(after.GetProperty("computeEnvironmentArn").GetString(), result.Arn);
        Assert.Equal("DISABLED", after.GetProperty("state").GetString());
        Assert.NotNull(result.RequestId);
    }

    private BatchApiClient Client() => new(
        new HttpClient(),
        new AwsTarget("moto", MotoServerFixture.Region),
        moto.Endpoint,
        AwsCredentialSource.Fixed("AKIDMOTO", "moto-secret"),
        TestClients.FastPolicy,
        new TokenBucket(100, 100, TimeProvider.System));

    private static string Row(params string?[] values) => string.Join(" | ", values);

    private static IEnumerable<string> Rows(JsonElement expected, string list, params string[] fields) =>
        expected.GetProperty(list).EnumerateArray()
            .Select(item => Row(fields.Select(f => item.TryGetProperty(f, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null).ToArray()))
            .ToList();
}
