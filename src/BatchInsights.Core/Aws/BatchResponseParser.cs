using System.Text.Json;
using static BatchInsights.Core.Aws.JsonFields;

namespace BatchInsights.Core.Aws;

/// <summary>Maps Batch REST-JSON responses (botocore model batch/2016-08-10) to our snapshot records.</summary>
internal static class BatchResponseParser
{
    public static (List<ComputeEnvironmentSnapshot> Items, string? NextToken) ComputeEnvironments(JsonDocument document)
    {
        var root = Root(document);
        var items = Objects(root, "computeEnvironments", "response", required: true).Select(x => ComputeEnvironment(x.Item, x.Path)).ToList();
        return (items, OptionalString(root, "nextToken", "response"));
    }

    public static (List<JobQueueSnapshot> Items, string? NextToken) JobQueues(JsonDocument document)
    {
        var root = Root(document);
        var items = Objects(root, "jobQueues", "response", required: true).Select(x => JobQueue(x.Item, x.Path)).ToList();
        return (items, OptionalString(root, "nextToken", "response"));
    }

    public static (List<JobDefinitionSnapshot> Items, string? NextToken) JobDefinitions(JsonDocument document)
    {
        var root = Root(document);
        var items = Objects(root, "jobDefinitions", "response", required: true).Select(x => JobDefinition(x.Item, x.Path)).ToList();
        return (items, OptionalString(root, "nextToken", "response"));
    }

    public static JobListPage JobList(JsonDocument document)
    {
        var root = Root(document);
        var jobs = Objects(root, "jobSummaryList", "response", required: true).Select(x => JobSummary(x.Item, x.Path)).ToList();
        return new JobListPage(jobs, OptionalString(root, "nextToken", "response"));
    }

    public static List<JobSnapshot> Jobs(JsonDocument document)
    {
        var root = Root(document);
        return Objects(root, "jobs", "response", required: true).Select(x => Job(x.Item, x.Path)).ToList();
    }

    public static ComputeEnvironmentUpdateResult UpdateResult(JsonDocument document, string? requestId)
    {
        var root = Root(document);
        return new ComputeEnvironmentUpdateResult(
            RequiredString(root, "computeEnvironmentArn", "response"),
            RequiredString(root, "computeEnvironmentName", "response"),
            requestId);
    }

    private static ComputeEnvironmentSnapshot ComputeEnvironment(JsonElement ce, string path)
    {
        var resources = OptionalObject(ce, "computeResources", path);
        var rp = path + ".computeResources";
        return new ComputeEnvironmentSnapshot(
            Arn: RequiredString(ce, "computeEnvironmentArn", path),
            Name: RequiredString(ce, "computeEnvironmentName", path),
            Type: RequiredString(ce, "type", path),
            State: OptionalString(ce, "state", path),
            Status: OptionalString(ce, "status", path),
            StatusReason: OptionalString(ce, "statusReason", path),
            ResourceType: resources is { } r1 ? OptionalString(r1, "type", rp) : null,
            InstanceTypes: resources is { } r2 ? StringList(r2, "instanceTypes", rp) : [],
            MinvCpus: resources is { } r3 ? OptionalInt(r3, "minvCpus", rp) : null,
            DesiredvCpus: resources is { } r4 ? OptionalInt(r4, "desiredvCpus", rp) : null,
            MaxvCpus: resources is { } r5 ? OptionalInt(r5, "maxvCpus", rp) : null,
            BidPercentage: resources is { } r6 ? OptionalInt(r6, "bidPercentage", rp) : null,
            AllocationStrategy: resources is { } r7 ? OptionalString(r7, "allocationStrategy", rp) : null,
            Subnets: resources is { } r8 ? StringList(r8, "subnets", rp) : [],
            SecurityGroupIds: resources is { } r9 ? StringList(r9, "securityGroupIds", rp) : [],
            EcsClusterArn: OptionalString(ce, "ecsClusterArn", path),
            ServiceRole: OptionalString(ce, "serviceRole", path),
            Tags: StringMap(ce, "tags", path),
            RawJson: ce.GetRawText(),
            UpdatePolicy: UpdatePolicy(ce, path));
    }

    /// <summary>The CE's updatePolicy; AWS's defaults (keep running jobs, 30 minutes) for what it leaves out.</summary>
    private static ComputeEnvironmentUpdatePolicy UpdatePolicy(JsonElement ce, string path)
    {
        var defaults = new ComputeEnvironmentUpdatePolicy();
        if (OptionalObject(ce, "updatePolicy", path) is not { } policy)
        {
            return defaults;
        }

        var p = path + ".updatePolicy";
        return new ComputeEnvironmentUpdatePolicy(
            OptionalBool(policy, "terminateJobsOnUpdate", p) ?? defaults.TerminateJobsOnUpdate,
            OptionalInt(policy, "jobExecutionTimeoutMinutes", p) ?? defaults.JobExecutionTimeoutMinutes);
    }

    private static JobQueueSnapshot JobQueue(JsonElement queue, string path) => new(
        Arn: RequiredString(queue, "jobQueueArn", path),
        Name: RequiredString(queue, "jobQueueName", path),
        State: OptionalString(queue, "state", path),
        Status: OptionalString(queue, "status", path),
        StatusReason: OptionalString(queue, "statusReason", path),
        Priority: RequiredInt(queue, "priority", path),
        ComputeEnvironmentOrder: Objects(queue, "computeEnvironmentOrder", path)
            .Select(x => new ComputeEnvironmentOrderSnapshot(RequiredInt(x.Item, "order", x.Path), RequiredString(x.Item, "computeEnvironment", x.Path)))
            .OrderBy(o => o.Order)
            .ToList(),
        SchedulingPolicyArn: OptionalString(queue, "schedulingPolicyArn", path),
        Tags: StringMap(queue, "tags", path));

    private static JobDefinitionSnapshot JobDefinition(JsonElement definition, string path)
    {
        var resources = ResourcesOf(definition, "containerProperties", path);
        var nodes = OptionalObject(definition, "nodeProperties", path);
        return new JobDefinitionSnapshot(
            Arn: RequiredString(definition, "jobDefinitionArn", path),
            Name: RequiredString(definition, "jobDefinitionName", path),
            Revision: RequiredInt(definition, "revision", path),
            Status: OptionalString(definition, "status", path),
            Type: RequiredString(definition, "type", path),
            Vcpus: resources.Vcpus,
            MemoryMib: resources.MemoryMib,
            Gpus: resources.Gpus,
            PlatformCapabilities: StringList(definition, "platformCapabilities", path),
            NumNodes: nodes is { } n ? OptionalInt(n, "numNodes", path + ".nodeProperties") : null,
            Tags: StringMap(definition, "tags", path));
    }

    private static JobSummarySnapshot JobSummary(JsonElement job, string path)
    {
        var container = OptionalObject(job, "container", path);
        var array = OptionalObject(job, "arrayProperties", path);
        return new JobSummarySnapshot(
            JobId: RequiredString(job, "jobId", path),
            JobName: RequiredString(job, "jobName", path),
            Status: RequiredString(job, "status", path),
            StatusReason: OptionalString(job, "statusReason", path),
            CreatedAtMs: RequiredLong(job, "createdAt", path),
            StartedAtMs: OptionalLong(job, "startedAt", path),
            StoppedAtMs: OptionalLong(job, "stoppedAt", path),
            ExitCode: container is { } c1 ? OptionalInt(c1, "exitCode", path + ".container") : null,
            ContainerReason: container is { } c2 ? OptionalString(c2, "reason", path + ".container") : null,
            ArraySize: array is { } a1 ? OptionalInt(a1, "size", path + ".arrayProperties") : null,
            ArrayIndex: array is { } a2 ? OptionalInt(a2, "index", path + ".arrayProperties") : null,
            JobDefinitionArn: OptionalString(job, "jobDefinition", path));
    }

    private static JobSnapshot Job(JsonElement job, string path)
    {
        var container = OptionalObject(job, "container", path);
        var array = OptionalObject(job, "arrayProperties", path);
        var nodes = OptionalObject(job, "nodeProperties", path);
        var resources = ResourcesOf(job, "container", path);
        var attempts = Objects(job, "attempts", path).Select((x, i) => Attempt(x.Item, x.Path, i)).ToList();
        var last = attempts.Count > 0 ? attempts[^1] : null;
        var cp = path + ".container";
        return new JobSnapshot(
            JobId: RequiredString(job, "jobId", path),
            JobArn: RequiredString(job, "jobArn", path),
            JobName: RequiredString(job, "jobName", path),
            JobQueueArn: RequiredString(job, "jobQueue", path),
            Status: RequiredString(job, "status", path),
            StatusReason: OptionalString(job, "statusReason", path),
            CreatedAtMs: RequiredLong(job, "createdAt", path),
            StartedAtMs: OptionalLong(job, "startedAt", path),
            StoppedAtMs: OptionalLong(job, "stoppedAt", path),
            JobDefinitionArn: RequiredString(job, "jobDefinition", path),
            Vcpus: resources.Vcpus,
            MemoryMib: resources.MemoryMib,
            Gpus: resources.Gpus,
            ArraySize: array is { } a1 ? OptionalInt(a1, "size", path + ".arrayProperties") : null,
            ArrayIndex: array is { } a2 ? OptionalInt(a2, "index", path + ".arrayProperties") : null,
            ArrayStatusSummary: array is { } a3 ? IntMap(a3, "statusSummary", path + ".arrayProperties") : new Dictionary<string, int>(),
            NumNodes: nodes is { } n ? OptionalInt(n, "numNodes", path + ".nodeProperties") : null,
            ShareIdentifier: OptionalString(job, "shareIdentifier", path),
            // The job-level container describes the latest attempt; fall back to the attempt when it is silent.
            ExitCode: (container is { } c1 ? OptionalInt(c1, "exitCode", cp) : null) ?? last?.ExitCode,
            ContainerReason: (container is { } c2 ? OptionalString(c2, "reason", cp) : null) ?? last?.Reason,
            LogStreamName: (container is { } c3 ? OptionalString(c3, "logStreamName", cp) : null) ?? last?.LogStreamName,
            Attempts: attempts,
            Tags: StringMap(job, "tags", path));
    }

    private static JobAttemptSnapshot Attempt(JsonElement attempt, string path, int index)
    {
        var container = OptionalObject(attempt, "container", path);
        var cp = path + ".container";
        return new JobAttemptSnapshot(
            Index: index,
            ContainerInstanceArn: container is { } c1 ? OptionalString(c1, "containerInstanceArn", cp) : null,
            TaskArn: container is { } c2 ? OptionalString(c2, "taskArn", cp) : null,
            StartedAtMs: OptionalLong(attempt, "startedAt", path),
            StoppedAtMs: OptionalLong(attempt, "stoppedAt", path),
            ExitCode: container is { } c3 ? OptionalInt(c3, "exitCode", cp) : null,
            Reason: container is { } c4 ? OptionalString(c4, "reason", cp) : null,
            StatusReason: OptionalString(attempt, "statusReason", path),
            LogStreamName: container is { } c5 ? OptionalString(c5, "logStreamName", cp) : null);
    }

    private readonly record struct Resources(double? Vcpus, long? MemoryMib, int? Gpus);

    /// <summary>
    /// vCPU/memory/GPU of a job or job definition: the single container (resourceRequirements, else the
    /// legacy vcpus/memory), else the first node range of a multi-node job, else the sum of the ECS task's containers.
    /// </summary>
    private static Resources ResourcesOf(JsonElement owner, string containerMember, string path)
    {
        if (OptionalObject(owner, containerMember, path) is { } container)
        {
            return ContainerResources(container, $"{path}.{containerMember}");
        }

        if (OptionalObject(owner, "nodeProperties", path) is { } nodes)
        {
            foreach (var (range, rangePath) in Objects(nodes, "nodeRangeProperties", path + ".nodeProperties"))
            {
                if (OptionalObject(range, "container", rangePath) is { } rangeContainer)
                {
                    return ContainerResources(rangeContainer, rangePath + ".container");
                }
            }
        }

        if (OptionalObject(owner, "ecsProperties", path) is { } ecs)
        {
            foreach (var (task, taskPath) in Objects(ecs, "taskProperties", path + ".ecsProperties"))
            {
                var total = new Resources(null, null, null);
                foreach (var (taskContainer, containerPath) in Objects(task, "containers", taskPath))
                {
                    var one = ContainerResources(taskContainer, containerPath);
                    total = new Resources(Add(total.Vcpus, one.Vcpus), Add(total.MemoryMib, one.MemoryMib), Add(total.Gpus, one.Gpus));
                }

                return total;
            }
        }

        return new Resources(null, null, null);
    }

    private static Resources ContainerResources(JsonElement container, string path)
    {
        double? vcpus = null;
        long? memory = null;
        int? gpus = null;
        foreach (var (requirement, requirementPath) in Objects(container, "resourceRequirements", path))
        {
            var type = RequiredString(requirement, "type", requirementPath);
            // Values are strings in the model ("0.25" vCPU on Fargate, "2048" MiB).
            var value = ParseDouble(RequiredString(requirement, "value", requirementPath), requirementPath + ".value");
            switch (type)
            {
                case "VCPU":
                    vcpus = value;
                    break;
                case "MEMORY":
                    memory = (long)Math.Round(value);
                    break;
                case "GPU":
                    gpus = (int)Math.Round(value);
                    break;
            }
        }

        // The legacy fields are integers in the model, but some servers (moto) echo them as 2.0.
        vcpus ??= OptionalDouble(container, "vcpus", path);
        memory ??= OptionalLong(container, "memory", path);
        return new Resources(vcpus, memory, gpus);
    }

    private static double? Add(double? a, double? b) => a is null ? b : b is null ? a : a + b;

    private static long? Add(long? a, long? b) => a is null ? b : b is null ? a : a + b;

    private static int? Add(int? a, int? b) => a is null ? b : b is null ? a : a + b;
}
