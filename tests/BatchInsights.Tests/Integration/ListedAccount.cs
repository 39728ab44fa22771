using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Integration;

/// <summary>One job as a full listing shows it: queue name, the status it was listed under, its id.</summary>
internal sealed record ListedJob(string Queue, string Status, string JobId, string? ParentId)
{
    public override string ToString() => $"{Queue} {Status} {JobId}";
}

/// <summary>
/// What the account reports when everything is listed the slow, obvious way: every queue × every status,
/// all pages, and every array parent's children × every status. The reference the harvest must equal.
/// </summary>
internal static class ListedAccount
{
    public static async Task<List<ListedJob>> ListEverythingAsync(IBatchApi api, CancellationToken cancellationToken = default)
    {
        var jobs = new List<ListedJob>();
        var parents = new List<ListedJob>();
        foreach (var queue in await api.DescribeJobQueuesAsync(cancellationToken))
        {
            foreach (var status in BatchJobStatus.All)
            {
                foreach (var job in await ListAllPagesAsync(api, new ListJobsQuery(JobQueue: queue.Arn, JobStatus: status), cancellationToken))
                {
                    var listed = new ListedJob(queue.Name, status, job.JobId, null);
                    jobs.Add(listed);
                    if (job.ArraySize is > 0 && job.ArrayIndex is null)
                    {
                        parents.Add(listed);
                    }
                }
            }
        }

        foreach (var parent in parents)
        {
            foreach (var status in BatchJobStatus.All)
            {
                foreach (var child in await ListAllPagesAsync(api, new ListJobsQuery(ArrayJobId: parent.JobId, JobStatus: status), cancellationToken))
                {
                    jobs.Add(new ListedJob(parent.Queue, status, child.JobId, parent.JobId));
                }
            }
        }

        return jobs;
    }

    public static List<ListedJob> AsListed(IEnumerable<JobRow> rows) =>
        rows.Select(r => new ListedJob(r.QueueName, r.Status, r.JobId, r.ArrayParentId)).ToList();

    /// <summary>Equal as sets, with a readable message naming a few jobs missing or extra.</summary>
    public static void AssertSameJobs(IReadOnlyCollection<ListedJob> expected, IReadOnlyCollection<ListedJob> actual)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"{missing.Count} listed jobs not stored as listed (e.g. {string.Join("; ", missing.Take(5))}); "
            + $"{extra.Count} stored jobs not listed so (e.g. {string.Join("; ", extra.Take(5))}).");
        Assert.Equal(expected.Count, actual.Count);
    }

    private static async Task<List<JobSummarySnapshot>> ListAllPagesAsync(IBatchApi api, ListJobsQuery query, CancellationToken cancellationToken)
    {
        var all = new List<JobSummarySnapshot>();
        string? nextToken = null;
        do
        {
            // A small page size on purpose: the reference also checks that paging neither drops nor repeats jobs.
            var page = await api.ListJobsAsync(query with { MaxResults = 250, NextToken = nextToken }, cancellationToken);
            all.AddRange(page.Jobs);
            nextToken = page.NextToken;
        }
        while (nextToken is not null);

        return all;
    }
}
