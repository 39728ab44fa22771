namespace BatchInsights.Core.Aws;

/// <summary>
/// The AWS Batch calls BatchInsights makes, shaped like the app needs them. One instance talks to
/// one account + region. Implementations sign every request, respect the rate budget, retry
/// throttling and 5xx with jittered backoff, and turn malformed responses into <see cref="AwsApiException"/>.
/// </summary>
public interface IBatchApi
{
    AwsTarget Target { get; }

    /// <summary>Counters since creation: calls sent (including retries) and throttled responses seen.</summary>
    AwsCallStats Stats { get; }

    /// <summary>All CEs (follows nextToken).</summary>
    Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken);

    /// <summary>All job queues (follows nextToken).</summary>
    Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken);

    /// <summary>All job definitions, every revision, active and inactive (follows nextToken).</summary>
    Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken);

    /// <summary>One ListJobs page.</summary>
    Task<JobListPage> ListJobsAsync(ListJobsQuery query, CancellationToken cancellationToken);

    /// <summary>DescribeJobs; splits into calls of at most 100 ids. Unknown ids are simply absent.</summary>
    Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken);

    Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken);
}

/// <summary>Thread-safe call counters of one client.</summary>
public sealed class AwsCallStats
{
    private long _calls;
    private long _throttled;
    private long _retries;

    public long Calls => Interlocked.Read(ref _calls);
    public long Throttled => Interlocked.Read(ref _throttled);
    public long Retries => Interlocked.Read(ref _retries);

    public void CountCall() => Interlocked.Increment(ref _calls);
    public void CountThrottled() => Interlocked.Increment(ref _throttled);
    public void CountRetry() => Interlocked.Increment(ref _retries);
}

/// <summary>An AWS call failed for good (after retries), or its response could not be understood.</summary>
public sealed class AwsApiException : Exception
{
    public AwsApiException(string service, string operation, string message, int? httpStatus = null, string? errorCode = null, string? requestId = null, Exception? inner = null)
        : base($"{service} {operation} failed: {message}", inner)
    {
        Service = service;
        Operation = operation;
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
        RequestId = requestId;
    }

    public string Service { get; }
    public string Operation { get; }
    public int? HttpStatus { get; }
    public string? ErrorCode { get; }
    public string? RequestId { get; }
}
