namespace BatchInsights.Sandbox.Simulation;

internal sealed record AttemptView(
    string? ContainerInstanceArn,
    string TaskArn,
    string LogStreamName,
    long StartedAt,
    long StoppedAt,
    int? ExitCode,
    string? Reason,
    string StatusReason);

/// <summary>A job as seen at one instant: what ListJobs and DescribeJobs report.</summary>
internal sealed class JobView
{
    public required string JobId { get; init; }
    public required string JobArn { get; init; }
    public required string JobName { get; init; }
    public required string JobQueueArn { get; init; }
    public required JobDefinitionInfo Definition { get; init; }
    public required JobKind Kind { get; init; }
    public required JobState Status { get; init; }
    public string? StatusReason { get; init; }
    public required long CreatedAt { get; init; }
    public long? StartedAt { get; init; }
    public long? StoppedAt { get; init; }
    public int? ExitCode { get; init; }
    public string? ContainerReason { get; init; }
    public string? ContainerInstanceArn { get; init; }
    public string? TaskArn { get; init; }
    public string? LogStreamName { get; init; }
    public required int Vcpus { get; init; }
    public required int MemoryMiB { get; init; }
    public required int Gpus { get; init; }
    public int? ArraySize { get; init; }
    public int? ArrayIndex { get; init; }
    public IReadOnlyDictionary<string, int>? ArrayStatusSummary { get; init; }
    public int? NumNodes { get; init; }
    public int? NodeIndex { get; init; }
    public required IReadOnlyList<AttemptView> Attempts { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

/// <summary>A request the simulated Batch API rejects with ClientException (HTTP 400).</summary>
internal sealed class BatchClientException(string message) : Exception(message);

internal sealed record ListJobsFilter(string Name, IReadOnlyList<string> Values);

internal sealed record ListJobsQuery(
    string? JobQueue,
    string? ArrayJobId,
    string? MultiNodeJobId,
    string? JobStatus,
    int? MaxResults,
    string? NextToken,
    IReadOnlyList<ListJobsFilter> Filters);

/// <summary>An EC2 container instance behind an attempt (for an ECS/EC2 protocol layer).</summary>
internal sealed record ContainerInstanceInfo(
    string Arn,
    string Ec2InstanceId,
    string InstanceType,
    string AvailabilityZone,
    string ComputeEnvironmentName,
    long WindowStartMs,
    bool Spot);
