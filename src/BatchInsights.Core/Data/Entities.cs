namespace BatchInsights.Core.Data;

// Stored rows. Every row knows its account and region. Times from AWS Batch are kept as
// epoch milliseconds (AWS's own unit): exact, compact, indexable and identical on SQLite and
// PostgreSQL (see docs/adr/0002-storage-units.md). Other times are UTC DateTime.

public sealed class ComputeEnvironmentRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string Arn { get; set; }
    public required string Name { get; set; }
    public required string Type { get; set; }
    public string? State { get; set; }
    public string? Status { get; set; }
    public string? StatusReason { get; set; }
    public string? ResourceType { get; set; }
    /// <summary>Comma-separated instance types as AWS lists them ("optimal" included).</summary>
    public string InstanceTypes { get; set; } = "";
    public int? MinvCpus { get; set; }
    public int? DesiredvCpus { get; set; }
    public int? MaxvCpus { get; set; }
    public int? BidPercentage { get; set; }
    public string? AllocationStrategy { get; set; }
    /// <summary>Comma-separated subnet ids.</summary>
    public string Subnets { get; set; } = "";
    public string? EcsClusterArn { get; set; }
    public string? ServiceRole { get; set; }
    /// <summary>The DescribeComputeEnvironments entry as AWS returned it.</summary>
    public string RawJson { get; set; } = "{}";
    public DateTime HarvestedAt { get; set; }
}

public sealed class JobQueueRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string Arn { get; set; }
    public required string Name { get; set; }
    public string? State { get; set; }
    public string? Status { get; set; }
    public string? StatusReason { get; set; }
    public int Priority { get; set; }
    /// <summary>CE ARNs in order, comma-separated.</summary>
    public string ComputeEnvironmentOrder { get; set; } = "";
    public DateTime HarvestedAt { get; set; }
}

public sealed class JobDefinitionRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string Arn { get; set; }
    public required string Name { get; set; }
    public int Revision { get; set; }
    public string? Status { get; set; }
    public required string Type { get; set; }
    public double? Vcpus { get; set; }
    public long? MemoryMib { get; set; }
    public int? Gpus { get; set; }
    public string PlatformCapabilities { get; set; } = "";
    public int? NumNodes { get; set; }
    public DateTime HarvestedAt { get; set; }
}

public sealed class JobRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string JobId { get; set; }
    public required string JobName { get; set; }
    public string? JobArn { get; set; }
    /// <summary>Queue name (not ARN): what filters and pages use.</summary>
    public required string QueueName { get; set; }
    public required string Status { get; set; }
    public string? StatusReason { get; set; }
    public long CreatedAtMs { get; set; }
    public long? StartedAtMs { get; set; }
    public long? StoppedAtMs { get; set; }
    public string? JobDefinitionArn { get; set; }
    public double? Vcpus { get; set; }
    public long? MemoryMib { get; set; }
    public int? Gpus { get; set; }
    /// <summary>Set on array children: the parent's job id.</summary>
    public string? ArrayParentId { get; set; }
    public int? ArrayIndex { get; set; }
    /// <summary>Set on array parents.</summary>
    public int? ArraySize { get; set; }
    public int? NumNodes { get; set; }
    public string? ShareIdentifier { get; set; }
    public int? ExitCode { get; set; }
    public string? ContainerReason { get; set; }
    public string? LogStreamName { get; set; }
    public int AttemptCount { get; set; }
    /// <summary>The job's tags as a JSON object (keys sorted), or null when it has none; the cost roll-ups group by some of them.</summary>
    public string? TagsJson { get; set; }
    /// <summary>True once the job reached SUCCEEDED/FAILED and was described: it is never fetched again.</summary>
    public bool IsTerminal { get; set; }
    /// <summary>True when only a ListJobs summary was stored (array children), not a DescribeJobs detail.</summary>
    public bool FromSummary { get; set; }
    public DateTime HarvestedAt { get; set; }
}

public sealed class JobAttemptRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string JobId { get; set; }
    public int AttemptIndex { get; set; }
    public string? ContainerInstanceArn { get; set; }
    public string? TaskArn { get; set; }
    public long? StartedAtMs { get; set; }
    public long? StoppedAtMs { get; set; }
    public int? ExitCode { get; set; }
    public string? Reason { get; set; }
    public string? StatusReason { get; set; }
    public string? LogStreamName { get; set; }
}

public sealed class HarvestRunRow
{
    public long Id { get; set; }
    public required string Account { get; set; }
    public required string Region { get; set; }
    /// <summary>What was harvested, e.g. "batch".</summary>
    public required string Kind { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    /// <summary>Running | Succeeded | Failed.</summary>
    public required string Outcome { get; set; }
    public long Calls { get; set; }
    public long Throttled { get; set; }
    public long JobsListed { get; set; }
    public long JobsDescribed { get; set; }
    public long JobsWritten { get; set; }
    public int Queues { get; set; }
    public int ComputeEnvironments { get; set; }
    public string? Error { get; set; }
}

/// <summary>Where an incremental harvest got to, per target and scope (e.g. "jobs:queue-name").</summary>
public sealed class HarvestWatermarkRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string Scope { get; set; }
    public long ValueMs { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One Spot price change of a pool (AZ, instance type, product): the price from <see cref="TimestampMs"/> until
/// the pool's next row. Stored compactly — one row per change AWS reports, not a sample per interval.
/// Money is micro-dollars in a <c>long</c> on BOTH providers (not decimal(18,6) on PostgreSQL as ADR 0002
/// foresees for costs): Spot prices have at most 6 decimals, so this is exact, and one column type keeps the
/// two migrations and all queries identical.
/// </summary>
public sealed class SpotPriceChangeRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string AvailabilityZone { get; set; }
    public required string InstanceType { get; set; }
    /// <summary>"Linux/UNIX" or "Linux/UNIX (Amazon VPC)".</summary>
    public required string ProductDescription { get; set; }
    /// <summary>When this price took effect (epoch ms, AWS's timestamp).</summary>
    public long TimestampMs { get; set; }
    /// <summary>USD per hour × 1,000,000.</summary>
    public long PriceMicroUsd { get; set; }
}

public static class HarvestOutcome
{
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    /// <summary>Finished, but part of the data could not be fetched (e.g. a permission is missing); the error says which.</summary>
    public const string Partial = "Partial";
}

/// <summary>
/// An EC2 instance a managed CE launched, as DescribeInstances showed it (tag key AWSBatchServiceTag). Kept after EC2
/// forgets it (about an hour after termination), so instance-hours accumulate across harvests. Times are epoch ms.
/// </summary>
public sealed class Ec2InstanceRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string InstanceId { get; set; }
    /// <summary>The CE that launched it; null when no tag or cluster ties it to a harvested CE.</summary>
    public string? ComputeEnvironmentName { get; set; }
    public required string InstanceType { get; set; }
    public string? AvailabilityZone { get; set; }
    /// <summary>"spot" or "on-demand".</summary>
    public required string Lifecycle { get; set; }
    public long? LaunchTimeMs { get; set; }
    public long FirstSeenMs { get; set; }
    public long LastSeenMs { get; set; }
    /// <summary>EC2's state name when last seen; "gone" when it stopped being listed before we saw it terminate.</summary>
    public required string State { get; set; }
    /// <summary>From the state transition reason; for "gone" instances the last time we saw it (a lower bound).</summary>
    public long? TerminatedAtMs { get; set; }
    public string? StateReasonCode { get; set; }
    public string? StateReasonMessage { get; set; }
}

/// <summary>
/// Where an ECS container instance (a job attempt's containerInstanceArn) ran: the EC2 instance, type and AZ from
/// DescribeContainerInstances ("mapped"), or "missing" when ECS no longer knew it — then the Estimated* columns hold a
/// labelled guess (from the Spot reclaim reason or the CE's single instance type), or stay empty (unknown).
/// Attempts join it on ContainerInstanceArn.
/// </summary>
public sealed class ContainerInstanceRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string ContainerInstanceArn { get; set; }
    public required string ClusterName { get; set; }
    /// <summary>"mapped" or "missing" (<see cref="ContainerInstanceStatus"/>).</summary>
    public required string Status { get; set; }
    public string? Ec2InstanceId { get; set; }
    public string? InstanceType { get; set; }
    public string? AvailabilityZone { get; set; }
    public long? RegisteredAtMs { get; set; }
    public string? EstimatedInstanceId { get; set; }
    public string? EstimatedInstanceType { get; set; }
    public string? EstimatedAvailabilityZone { get; set; }
    /// <summary>How the estimate was made ("reclaim-reason", "reclaim-reason+instance", "ce-single-type"); null = unknown.</summary>
    public string? EstimateBasis { get; set; }
    public long DescribedAtMs { get; set; }
}

public static class ContainerInstanceStatus
{
    public const string Mapped = "mapped";
    public const string Missing = "missing";
}
