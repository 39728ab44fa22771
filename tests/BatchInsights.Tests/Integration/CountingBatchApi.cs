using System.Collections.Concurrent;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// Wraps the real client: counts the harvester's calls by kind, and can stop the harvest at a given
/// call by cancelling its token (as a shutdown or a Hangfire job cancellation would).
/// </summary>
internal sealed class CountingBatchApi(IBatchApi inner) : IBatchApi
{
    public const string ListByQueue = "ListJobs(jobQueue)";
    public const string ListByArray = "ListJobs(arrayJobId)";
    public const string DescribeJobs = "DescribeJobs";

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private int _total;
    private int _cancelAt = int.MaxValue;
    private CancellationTokenSource? _cancel;

    public AwsTarget Target => inner.Target;

    public AwsCallStats Stats => inner.Stats;

    /// <summary>Method calls made through this wrapper (a DescribeJobs of 250 ids is one call here, three HTTP calls).</summary>
    public int Total => Volatile.Read(ref _total);

    public IReadOnlyDictionary<string, int> Calls => _calls;

    public int CallsOf(string kind) => _calls.GetValueOrDefault(kind);

    /// <summary>Cancels <paramref name="cancel"/> as call number <paramref name="callNumber"/> (counted over this wrapper's life) starts.</summary>
    public void CancelAtCall(int callNumber, CancellationTokenSource cancel)
    {
        _cancelAt = callNumber;
        _cancel = cancel;
    }

    public void ResetCounts()
    {
        _calls.Clear();
        Interlocked.Exchange(ref _total, 0);
        _cancelAt = int.MaxValue;
    }

    public Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken)
    {
        Count("DescribeComputeEnvironments");
        return inner.DescribeComputeEnvironmentsAsync(cancellationToken);
    }

    public Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken)
    {
        Count("DescribeJobQueues");
        return inner.DescribeJobQueuesAsync(cancellationToken);
    }

    public Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken)
    {
        Count("DescribeJobDefinitions");
        return inner.DescribeJobDefinitionsAsync(cancellationToken);
    }

    public Task<JobListPage> ListJobsAsync(ListJobsQuery query, CancellationToken cancellationToken)
    {
        Count(query.ArrayJobId is null ? ListByQueue : ListByArray);
        return inner.ListJobsAsync(query, cancellationToken);
    }

    public Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        Count(DescribeJobs);
        return inner.DescribeJobsAsync(jobIds, cancellationToken);
    }

    public Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A harvest must never change a compute environment.");

    private void Count(string kind)
    {
        _calls.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (Interlocked.Increment(ref _total) == _cancelAt)
        {
            _cancel?.Cancel();
        }
    }
}
