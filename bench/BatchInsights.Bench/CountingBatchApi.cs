using BatchInsights.Core.Aws;

namespace BatchInsights.Bench;

/// <summary>Passes calls through and counts them by kind, to show where a harvest's calls go.</summary>
internal sealed class CountingBatchApi(IBatchApi inner) : IBatchApi
{
    private long _inventory;
    private long _listQueue;
    private long _listArray;
    private long _describe;

    public AwsTarget Target => inner.Target;

    public AwsCallStats Stats => inner.Stats;

    public (long Inventory, long ListQueue, long ListArray, long Describe) Counts =>
        (Interlocked.Read(ref _inventory), Interlocked.Read(ref _listQueue), Interlocked.Read(ref _listArray), Interlocked.Read(ref _describe));

    public Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inventory);
        return inner.DescribeComputeEnvironmentsAsync(cancellationToken);
    }

    public Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inventory);
        return inner.DescribeJobQueuesAsync(cancellationToken);
    }

    public Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inventory);
        return inner.DescribeJobDefinitionsAsync(cancellationToken);
    }

    public Task<JobListPage> ListJobsAsync(ListJobsQuery query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref query.ArrayJobId is null ? ref _listQueue : ref _listArray);
        return inner.ListJobsAsync(query, cancellationToken);
    }

    public Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        // The client splits into calls of 100 ids.
        Interlocked.Add(ref _describe, (jobIds.Count + 99) / 100);
        return inner.DescribeJobsAsync(jobIds, cancellationToken);
    }

    public Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken) =>
        inner.UpdateComputeEnvironmentAsync(update, cancellationToken);
}
