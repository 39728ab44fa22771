namespace BatchInsights.Core.Browse;

// Read models for pages and the JSON API. Times from AWS Batch stay epoch milliseconds, as stored.

public sealed record QueueSummary(
    string Account,
    string Region,
    string Name,
    string Arn,
    string? State,
    string? Status,
    string? StatusReason,
    int Priority,
    IReadOnlyList<string> ComputeEnvironments,
    IReadOnlyDictionary<string, long> JobCounts,
    long? OldestRunnableCreatedAtMs,
    TimeSpan? OldestRunnableAge,
    bool Stuck,
    IReadOnlyList<string> StuckReasons)
{
    public long Count(string status) => JobCounts.TryGetValue(status, out var n) ? n : 0;
}

/// <summary>How a compute environment buys capacity.</summary>
public enum CapacityKind
{
    Unknown,
    OnDemand,
    Spot,
    Fargate,
    FargateSpot,
}

public sealed record ComputeEnvironmentSummary(
    string Account,
    string Region,
    string Name,
    string Arn,
    string Type,
    string? State,
    string? Status,
    string? StatusReason,
    string? ResourceType,
    CapacityKind Capacity,
    IReadOnlyList<string> InstanceTypes,
    int? MinvCpus,
    int? DesiredvCpus,
    int? MaxvCpus,
    int? BidPercentage,
    string? AllocationStrategy,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> UsedByQueues);

public sealed record JobListItem(
    string Account,
    string Region,
    string JobId,
    string JobName,
    string QueueName,
    string Status,
    string? StatusReason,
    long CreatedAtMs,
    long? StartedAtMs,
    long? StoppedAtMs,
    int? ExitCode,
    int AttemptCount,
    string? ArrayParentId,
    int? ArrayIndex,
    int? ArraySize);

/// <summary>One keyset page: <see cref="Next"/> is null on the last page.</summary>
public sealed record JobPage(IReadOnlyList<JobListItem> Items, string? Next);

public sealed record JobAttempt(
    int AttemptIndex,
    string? ContainerInstanceArn,
    string? TaskArn,
    long? StartedAtMs,
    long? StoppedAtMs,
    int? ExitCode,
    string? Reason,
    string? StatusReason,
    string? LogStreamName);

public sealed record ArrayParentLink(string JobId, string? JobName, int? ArrayIndex);

public sealed record ArrayChildrenSummary(int? ArraySize, long Stored, IReadOnlyDictionary<string, long> CountsByStatus);

public sealed record JobDetail(
    string Account,
    string Region,
    string JobId,
    string JobName,
    string? JobArn,
    string QueueName,
    string Status,
    string? StatusReason,
    long CreatedAtMs,
    long? StartedAtMs,
    long? StoppedAtMs,
    string? JobDefinitionArn,
    double? Vcpus,
    long? MemoryMib,
    int? Gpus,
    int? NumNodes,
    string? ShareIdentifier,
    int? ExitCode,
    string? ContainerReason,
    string? LogStreamName,
    int AttemptCount,
    bool IsTerminal,
    bool FromSummary,
    DateTime HarvestedAt,
    IReadOnlyList<JobAttempt> Attempts,
    ArrayParentLink? ArrayParent,
    ArrayChildrenSummary? ArrayChildren);

public sealed record HarvestRunSummary(
    long Id,
    string Account,
    string Region,
    string Kind,
    DateTime StartedAt,
    DateTime? EndedAt,
    string Outcome,
    long Calls,
    long Throttled,
    long JobsListed,
    long JobsDescribed,
    long JobsWritten,
    int Queues,
    int ComputeEnvironments,
    string? Error)
{
    public TimeSpan? Duration => EndedAt is { } end ? end - StartedAt : null;
}
