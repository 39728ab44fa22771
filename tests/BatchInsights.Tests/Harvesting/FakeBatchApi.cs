using System.Globalization;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Harvesting;

/// <summary>
/// A scripted in-memory Batch account with ListJobs/DescribeJobs semantics (newest first, per status,
/// nextToken paging, arrayJobId listing, 100 ids per DescribeJobs call). Fails loudly when asked for
/// anything the test did not script.
/// </summary>
internal sealed class FakeBatchApi(AwsTarget target) : IBatchApi
{
    private readonly Dictionary<string, JobSnapshot> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, JobSnapshot>> _children = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forgotten = new(StringComparer.Ordinal);

    public AwsTarget Target { get; } = target;
    public AwsCallStats Stats { get; } = new();

    public List<ComputeEnvironmentSnapshot> ComputeEnvironments { get; } = [];
    public List<JobQueueSnapshot> Queues { get; } = [];
    public List<JobDefinitionSnapshot> JobDefinitions { get; } = [];

    /// <summary>Every ListJobs request, in order.</summary>
    public List<ListJobsQuery> ListRequests { get; } = [];

    /// <summary>Every job id sent to DescribeJobs, in order.</summary>
    public List<string> DescribedIds { get; } = [];

    /// <summary>Runs before each call with its 1-based number; may throw or cancel.</summary>
    public Action<long>? BeforeCall { get; set; }

    /// <summary>Replaces what DescribeJobs returns for a job (e.g. a stale snapshot).</summary>
    public Func<JobSnapshot, JobSnapshot>? DescribeOverride { get; set; }

    public IReadOnlyCollection<JobSnapshot> Jobs => _jobs.Values;

    /// <summary>Adds or replaces a job; array children ("parent:index") go under their parent.</summary>
    public void Put(JobSnapshot job)
    {
        if (job.ArrayIndex is not null)
        {
            var parentId = job.JobId[..job.JobId.LastIndexOf(':')];
            if (!_children.TryGetValue(parentId, out var children))
            {
                _children[parentId] = children = new Dictionary<string, JobSnapshot>(StringComparer.Ordinal);
            }

            children[job.JobId] = job;
            return;
        }

        _jobs[job.JobId] = job;
    }

    public void PutAll(IEnumerable<JobSnapshot> jobs)
    {
        foreach (var job in jobs)
        {
            Put(job);
        }
    }

    public JobSnapshot Get(string jobId) => _jobs[jobId];

    /// <summary>AWS retention ran out: the job is neither listed nor described any more.</summary>
    public void Forget(string jobId)
    {
        _forgotten.Add(jobId);
        _jobs.Remove(jobId);
    }

    public void ResetCounters()
    {
        ListRequests.Clear();
        DescribedIds.Clear();
    }

    public Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken)
    {
        Call(cancellationToken);
        return Task.FromResult<IReadOnlyList<ComputeEnvironmentSnapshot>>([.. ComputeEnvironments]);
    }

    public Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken)
    {
        Call(cancellationToken);
        return Task.FromResult<IReadOnlyList<JobQueueSnapshot>>([.. Queues]);
    }

    public Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken)
    {
        Call(cancellationToken);
        return Task.FromResult<IReadOnlyList<JobDefinitionSnapshot>>([.. JobDefinitions]);
    }

    public Task<JobListPage> ListJobsAsync(ListJobsQuery query, CancellationToken cancellationToken)
    {
        ListRequests.Add(query);
        Call(cancellationToken);
        if ((query.JobQueue is null) == (query.ArrayJobId is null))
        {
            throw new ArgumentException("ListJobs needs exactly one of jobQueue or arrayJobId.", nameof(query));
        }

        if (query.FilterName is not null)
        {
            throw new NotSupportedException("FakeBatchApi has no data for ListJobs filters.");
        }

        var maxResults = query.MaxResults ?? 100;
        if (maxResults is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), maxResults, "maxResults must be 1..1000.");
        }

        IEnumerable<JobSnapshot> source;
        if (query.JobQueue is not null)
        {
            var queue = Queues.SingleOrDefault(q => q.Arn == query.JobQueue || q.Name == query.JobQueue)
                ?? throw new InvalidOperationException($"FakeBatchApi has no queue {query.JobQueue}.");
            source = _jobs.Values.Where(j => j.JobQueueArn == queue.Arn);
        }
        else
        {
            source = _children.TryGetValue(query.ArrayJobId!, out var children)
                ? children.Values
                : throw new InvalidOperationException($"FakeBatchApi has no array children for {query.ArrayJobId}.");
        }

        var status = query.JobStatus ?? BatchJobStatus.Running;
        var matching = source.Where(j => j.Status == status)
            .OrderByDescending(j => j.CreatedAtMs).ThenByDescending(j => j.JobId, StringComparer.Ordinal)
            .ToList();
        var offset = query.NextToken is null ? 0 : int.Parse(query.NextToken, CultureInfo.InvariantCulture);
        var page = matching.Skip(offset).Take(maxResults).Select(ToSummary).ToList();
        var next = offset + maxResults < matching.Count ? (offset + maxResults).ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new JobListPage(page, next));
    }

    public Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        var ids = jobIds.ToList();
        var result = new List<JobSnapshot>();
        // Like the real client: one call per 100 ids.
        foreach (var chunk in ids.Chunk(100))
        {
            Call(cancellationToken);
            foreach (var id in chunk)
            {
                DescribedIds.Add(id);
                if (_forgotten.Contains(id))
                {
                    continue;
                }

                var job = Find(id) ?? throw new InvalidOperationException($"FakeBatchApi has no job {id}: the harvester asked for an id AWS never listed.");
                result.Add(DescribeOverride is null ? job : DescribeOverride(job));
            }
        }

        return Task.FromResult<IReadOnlyList<JobSnapshot>>(result);
    }

    public Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The harvester must never update a compute environment.");

    private JobSnapshot? Find(string id)
    {
        if (_jobs.TryGetValue(id, out var job))
        {
            return job;
        }

        var colon = id.LastIndexOf(':');
        return colon > 0 && _children.TryGetValue(id[..colon], out var children) && children.TryGetValue(id, out var child) ? child : null;
    }

    private void Call(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Stats.CountCall();
        BeforeCall?.Invoke(Stats.Calls);
    }

    private static JobSummarySnapshot ToSummary(JobSnapshot j) => new(
        j.JobId, j.JobName, j.Status, j.StatusReason, j.CreatedAtMs, j.StartedAtMs, j.StoppedAtMs,
        j.ExitCode, j.ContainerReason, j.ArraySize, j.ArrayIndex, j.JobDefinitionArn);
}
