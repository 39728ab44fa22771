using System.Globalization;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Harvesting;

/// <summary>Small factories with defaults for a scripted Batch account; vary them with <c>with</c>.</summary>
internal static class BatchData
{
    public static readonly AwsTarget Target = new("123456789012", "us-east-1");

    public static readonly DateTimeOffset Start = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static string QueueArn(string name) => $"arn:aws:batch:{Target.Region}:{Target.Account}:job-queue/{name}";

    public static ComputeEnvironmentSnapshot ComputeEnvironment(string name) => new(
        Arn: $"arn:aws:batch:{Target.Region}:{Target.Account}:compute-environment/{name}",
        Name: name, Type: "MANAGED", State: "ENABLED", Status: "VALID", StatusReason: null, ResourceType: "SPOT",
        InstanceTypes: ["m5.large", "c5.xlarge"], MinvCpus: 0, DesiredvCpus: 4, MaxvCpus: 256, BidPercentage: 100,
        AllocationStrategy: "SPOT_CAPACITY_OPTIMIZED", Subnets: ["subnet-1", "subnet-2"], SecurityGroupIds: ["sg-1"],
        EcsClusterArn: $"arn:aws:ecs:{Target.Region}:{Target.Account}:cluster/{name}", ServiceRole: null,
        Tags: new Dictionary<string, string>(), RawJson: "{\"computeEnvironmentName\":\"" + name + "\"}");

    public static JobQueueSnapshot Queue(string name, string ceName = "ce-spot") => new(
        QueueArn(name), name, "ENABLED", "VALID", null, 10,
        [new ComputeEnvironmentOrderSnapshot(1, ComputeEnvironment(ceName).Arn)], null, new Dictionary<string, string>());

    public static JobDefinitionSnapshot JobDefinition(string name, int revision) => new(
        $"arn:aws:batch:{Target.Region}:{Target.Account}:job-definition/{name}:{revision}",
        name, revision, "ACTIVE", "container", 2, 4096, null, ["EC2"], null, new Dictionary<string, string>());

    /// <summary>A job as DescribeJobs reports it in <paramref name="status"/>, created at <paramref name="createdAt"/>.</summary>
    public static JobSnapshot Job(string id, string queueName, string status, DateTimeOffset createdAt)
    {
        var created = Ms(createdAt);
        var started = Rank(status) >= Rank(BatchJobStatus.Running) ? created + 60_000 : (long?)null;
        var stopped = BatchJobStatus.IsTerminal(status) ? created + 600_000 : (long?)null;
        var exitCode = status == BatchJobStatus.Succeeded ? 0 : status == BatchJobStatus.Failed ? 1 : (int?)null;
        IReadOnlyList<JobAttemptSnapshot> attempts = started is null
            ? []
            : [new JobAttemptSnapshot(0, "arn:aws:ecs:container-instance/ci-1", $"arn:aws:ecs:task/{id}", started, stopped, exitCode,
                status == BatchJobStatus.Failed ? "OutOfMemoryError" : null, null, $"jd/default/{id}")];
        return new JobSnapshot(
            JobId: id, JobArn: $"arn:aws:batch:{Target.Region}:{Target.Account}:job/{id}", JobName: "job-" + id,
            JobQueueArn: QueueArn(queueName), Status: status,
            StatusReason: BatchJobStatus.IsTerminal(status) ? "Essential container in task exited" : null,
            CreatedAtMs: created, StartedAtMs: started, StoppedAtMs: stopped, JobDefinitionArn: JobDefinition("etl", 1).Arn,
            Vcpus: 2, MemoryMib: 4096, Gpus: null, ArraySize: null, ArrayIndex: null,
            ArrayStatusSummary: new Dictionary<string, int>(), NumNodes: null, ShareIdentifier: null,
            ExitCode: exitCode, ContainerReason: null, LogStreamName: started is null ? null : $"jd/default/{id}",
            Attempts: attempts, Tags: new Dictionary<string, string>());
    }

    /// <summary><paramref name="count"/> jobs named prefix-00000…, <paramref name="spacing"/> apart (default 1 s), newest last.</summary>
    public static IEnumerable<JobSnapshot> Jobs(string prefix, int count, string queueName, string status, DateTimeOffset firstCreatedAt, TimeSpan? spacing = null) =>
        Enumerable.Range(0, count).Select(i => Job(
            prefix + "-" + i.ToString("D5", CultureInfo.InvariantCulture), queueName, status, firstCreatedAt + (i * (spacing ?? TimeSpan.FromSeconds(1)))));

    /// <summary>An array parent and its children, all in <paramref name="status"/>.</summary>
    public static (JobSnapshot Parent, IReadOnlyList<JobSnapshot> Children) ArrayJob(string id, string queueName, string status, DateTimeOffset createdAt, int size)
    {
        var parent = Job(id, queueName, status, createdAt) with
        {
            ArraySize = size,
            Vcpus = 4,
            MemoryMib = 8192,
            Attempts = [],
            ArrayStatusSummary = new Dictionary<string, int> { [status] = size },
        };
        var children = Enumerable.Range(0, size)
            .Select(i => Job($"{id}:{i}", queueName, status, createdAt) with { ArrayIndex = i, JobDefinitionArn = parent.JobDefinitionArn })
            .ToList();
        return (parent, children);
    }

    private static int Rank(string status) => BatchJobStatus.Rank(status);
}
