namespace BatchInsights.Core.Aws;

// SDK-independent snapshots of what AWS Batch reports. Only Core/Aws builds them from wire data;
// everything else (harvest, storage, pages) works with these records.

/// <summary>One AWS account + region the app harvests ("target").</summary>
public sealed record AwsTarget(string Account, string Region)
{
    public override string ToString() => $"{Account}/{Region}";
}

public sealed record ComputeEnvironmentSnapshot(
    string Arn,
    string Name,
    string Type,                 // MANAGED | UNMANAGED
    string? State,               // ENABLED | DISABLED
    string? Status,              // CREATING | UPDATING | DELETING | DELETED | VALID | INVALID
    string? StatusReason,
    string? ResourceType,        // EC2 | SPOT | FARGATE | FARGATE_SPOT (computeResources.type)
    IReadOnlyList<string> InstanceTypes,
    int? MinvCpus,
    int? DesiredvCpus,
    int? MaxvCpus,
    int? BidPercentage,
    string? AllocationStrategy,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> SecurityGroupIds,
    string? EcsClusterArn,
    string? ServiceRole,
    IReadOnlyDictionary<string, string> Tags,
    string RawJson,
    ComputeEnvironmentUpdatePolicy? UpdatePolicy = null);

public sealed record ComputeEnvironmentOrderSnapshot(int Order, string ComputeEnvironmentArn);

public sealed record JobQueueSnapshot(
    string Arn,
    string Name,
    string? State,               // ENABLED | DISABLED
    string? Status,              // VALID | INVALID | ...
    string? StatusReason,
    int Priority,
    IReadOnlyList<ComputeEnvironmentOrderSnapshot> ComputeEnvironmentOrder,
    string? SchedulingPolicyArn,
    IReadOnlyDictionary<string, string> Tags);

public sealed record JobDefinitionSnapshot(
    string Arn,
    string Name,
    int Revision,
    string? Status,              // ACTIVE | INACTIVE
    string Type,                 // container | multinode
    double? Vcpus,
    long? MemoryMib,
    int? Gpus,
    IReadOnlyList<string> PlatformCapabilities,  // EC2 | FARGATE
    int? NumNodes,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>A ListJobs summary row (enough to decide whether DescribeJobs is needed).</summary>
public sealed record JobSummarySnapshot(
    string JobId,
    string JobName,
    string Status,
    string? StatusReason,
    long CreatedAtMs,
    long? StartedAtMs,
    long? StoppedAtMs,
    int? ExitCode,
    string? ContainerReason,
    int? ArraySize,
    int? ArrayIndex,
    string? JobDefinitionArn);

public sealed record JobAttemptSnapshot(
    int Index,
    string? ContainerInstanceArn,
    string? TaskArn,
    long? StartedAtMs,
    long? StoppedAtMs,
    int? ExitCode,
    string? Reason,
    string? StatusReason,
    string? LogStreamName);

/// <summary>A DescribeJobs JobDetail.</summary>
public sealed record JobSnapshot(
    string JobId,
    string JobArn,
    string JobName,
    string JobQueueArn,
    string Status,               // SUBMITTED | PENDING | RUNNABLE | STARTING | RUNNING | SUCCEEDED | FAILED
    string? StatusReason,
    long CreatedAtMs,
    long? StartedAtMs,
    long? StoppedAtMs,
    string JobDefinitionArn,
    double? Vcpus,               // from container resourceRequirements (or vcpus)
    long? MemoryMib,
    int? Gpus,
    int? ArraySize,              // set on an array parent
    int? ArrayIndex,             // set on an array child
    IReadOnlyDictionary<string, int> ArrayStatusSummary,
    int? NumNodes,               // set on a multi-node parallel job
    string? ShareIdentifier,
    int? ExitCode,               // container.exitCode of the last attempt / the job
    string? ContainerReason,
    string? LogStreamName,
    IReadOnlyList<JobAttemptSnapshot> Attempts,
    IReadOnlyDictionary<string, string> Tags)
{
    public bool IsTerminal => BatchJobStatus.IsTerminal(Status);
}

public static class BatchJobStatus
{
    public const string Submitted = "SUBMITTED";
    public const string Pending = "PENDING";
    public const string Runnable = "RUNNABLE";
    public const string Starting = "STARTING";
    public const string Running = "RUNNING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";

    /// <summary>All statuses in lifecycle order.</summary>
    public static readonly IReadOnlyList<string> All = [Submitted, Pending, Runnable, Starting, Running, Succeeded, Failed];

    public static readonly IReadOnlyList<string> Active = [Submitted, Pending, Runnable, Starting, Running];

    public static bool IsTerminal(string status) => status is Succeeded or Failed;

    /// <summary>The canonical (upper-case) status, or null when <paramref name="value"/> is not a Batch status.</summary>
    public static string? Normalize(string? value) =>
        All.FirstOrDefault(s => string.Equals(s, value?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Position in the lifecycle; a job's rank never decreases.</summary>
    public static int Rank(string status) => status switch
    {
        Submitted => 0, Pending => 1, Runnable => 2, Starting => 3, Running => 4, Succeeded => 5, Failed => 5,
        _ => -1,
    };
}

/// <summary>ListJobs request: exactly one of JobQueue / ArrayJobId; a filter makes AWS ignore JobStatus.</summary>
public sealed record ListJobsQuery(
    string? JobQueue = null,
    string? ArrayJobId = null,
    string? JobStatus = null,
    string? FilterName = null,     // JOB_NAME | AFTER_CREATED_AT | BEFORE_CREATED_AT | JOB_DEFINITION | SHARE_IDENTIFIER
    string? FilterValue = null,
    int? MaxResults = null,
    string? NextToken = null);

public sealed record JobListPage(IReadOnlyList<JobSummarySnapshot> Jobs, string? NextToken);

/// <summary>What the caller wants changed; null fields are left as they are.</summary>
public sealed record ComputeEnvironmentUpdate(
    string ComputeEnvironment,
    string? State = null,
    int? MinvCpus = null,
    int? MaxvCpus = null,
    int? DesiredvCpus = null,
    IReadOnlyList<string>? InstanceTypes = null,
    int? BidPercentage = null,
    string? AllocationStrategy = null,
    ComputeEnvironmentUpdatePolicy? UpdatePolicy = null);

/// <summary>What an infrastructure update does to running jobs (AWS defaults: keep them, wait up to 30 minutes).</summary>
public sealed record ComputeEnvironmentUpdatePolicy(bool TerminateJobsOnUpdate = false, int JobExecutionTimeoutMinutes = 30);

public sealed record ComputeEnvironmentUpdateResult(string Arn, string Name, string? RequestId);
