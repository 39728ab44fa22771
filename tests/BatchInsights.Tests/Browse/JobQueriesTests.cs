using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Browse;

public sealed class JobQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly JobQueries _queries;

    public JobQueriesTests()
    {
        _queries = new JobQueries(_db.Factory);
    }

    public void Dispose() => _db.Dispose();

    /// <summary>23 jobs: 5 distinct created times with several jobs on each, ids not in creation order.</summary>
    private List<JobRow> SeedTies()
    {
        var jobs = new List<JobRow>();
        for (var i = 0; i < 23; i++)
        {
            var created = Rows.Now.AddMinutes(-(i % 5));
            var status = i % 3 == 0 ? BatchJobStatus.Failed : BatchJobStatus.Succeeded;
            var queue = i % 2 == 0 ? "q-even" : "q-odd";
            jobs.Add(Rows.Job($"id-{(i * 7) % 23:D2}", queue, status, created, name: i < 10 ? $"etl-{i}" : $"train-{i}"));
        }

        _db.Add([.. jobs]);
        return jobs;
    }

    private async Task<List<JobListItem>> WalkAsync(JobFilter filter, int limit)
    {
        var all = new List<JobListItem>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await _queries.ListAsync(filter, after, limit);
            Assert.True(page.Items.Count <= limit);
            all.AddRange(page.Items);
            after = page.Next;
            Assert.True(++pages < 100, "paging did not terminate");
        }
        while (after is not null);

        return all;
    }

    [Theory]
    [InlineData(JobSort.CreatedDesc, 4)]
    [InlineData(JobSort.CreatedAsc, 4)]
    [InlineData(JobSort.CreatedDesc, 1)]
    [InlineData(JobSort.CreatedDesc, 23)]
    public async Task ListAsync_WalkingAllPagesWithTies_ReturnsEveryJobOnceInOrder(JobSort sort, int limit)
    {
        var jobs = SeedTies();

        var walked = await WalkAsync(new JobFilter(Sort: sort), limit);

        var expected = sort == JobSort.CreatedDesc
            ? jobs.OrderByDescending(j => j.CreatedAtMs).ThenByDescending(j => j.JobId, StringComparer.Ordinal)
            : jobs.OrderBy(j => j.CreatedAtMs).ThenBy(j => j.JobId, StringComparer.Ordinal);
        Assert.Equal(expected.Select(j => j.JobId), walked.Select(j => j.JobId));
    }

    [Fact]
    public async Task ListAsync_LastPageExactlyFull_HasNoNextCursor()
    {
        SeedTies();

        var first = await _queries.ListAsync(new JobFilter(), limit: 20);
        var second = await _queries.ListAsync(new JobFilter(), first.Next, limit: 3);

        Assert.NotNull(first.Next);
        Assert.Equal(3, second.Items.Count);
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task ListAsync_FiltersCombined_ReturnOnlyMatchingJobsAcrossPages()
    {
        var jobs = SeedTies();
        var from = Rows.Ms(Rows.Now.AddMinutes(-3));
        var to = Rows.Ms(Rows.Now);

        var walked = await WalkAsync(new JobFilter("q-even", "failed", "train", from, to), limit: 2);

        var expected = jobs.Where(j => j.QueueName == "q-even" && j.Status == BatchJobStatus.Failed
                                       && j.JobName.StartsWith("train", StringComparison.Ordinal)
                                       && j.CreatedAtMs >= from && j.CreatedAtMs < to)
            .Select(j => j.JobId).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, walked.Select(j => j.JobId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListAsync_StatusFilter_NarrowsToThatStatus()
    {
        var jobs = SeedTies();

        var page = await _queries.ListAsync(new JobFilter(Status: BatchJobStatus.Failed), limit: 500);

        Assert.Equal(jobs.Count(j => j.Status == BatchJobStatus.Failed), page.Items.Count);
        Assert.All(page.Items, j => Assert.Equal(BatchJobStatus.Failed, j.Status));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public async Task ListAsync_LimitOutOfRange_NamesLimit(int limit)
    {
        var ex = await Assert.ThrowsAsync<InvalidQueryParameterException>(() => _queries.ListAsync(new JobFilter(), limit: limit));
        Assert.Equal("limit", ex.Parameter);
    }

    [Fact]
    public async Task ListAsync_UnknownStatus_NamesStatus()
    {
        var ex = await Assert.ThrowsAsync<InvalidQueryParameterException>(() => _queries.ListAsync(new JobFilter(Status: "DONE")));
        Assert.Equal("status", ex.Parameter);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("djE6YWJjOmlk")] // "v1:abc:id": created time not a number
    [InlineData("djI6MTI6aWQ")] // "v2:12:id": unknown version
    [InlineData("aGVsbG8")] // "hello"
    public async Task ListAsync_MalformedCursor_NamesAfter(string after)
    {
        var ex = await Assert.ThrowsAsync<InvalidQueryParameterException>(() => _queries.ListAsync(new JobFilter(), after));
        Assert.Equal("after", ex.Parameter);
    }

    [Theory]
    [InlineData(0L, "a")]
    [InlineData(1764072000000L, "b2c7e4f0-1a2b-4c3d-9e8f-001122334455")]
    [InlineData(-5L, "id:with:colons")]
    public void JobCursor_EncodeThenDecode_RoundTrips(long ms, string id)
    {
        var encoded = new JobCursor(ms, id).Encode();

        Assert.True(JobCursor.TryDecode(encoded, out var decoded));
        Assert.Equal(new JobCursor(ms, id), decoded);
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
    }

    [Fact]
    public async Task GetJobAsync_ArrayParentWithAttempts_ReturnsOrderedAttemptsAndChildCounts()
    {
        var parent = Rows.Job("parent", "q", BatchJobStatus.Running, Rows.Now.AddHours(-1));
        parent.ArraySize = 3;
        var c0 = Rows.Job("parent:0", "q", BatchJobStatus.Succeeded, Rows.Now.AddHours(-1));
        c0.ArrayParentId = "parent";
        c0.ArrayIndex = 0;
        var c1 = Rows.Job("parent:1", "q", BatchJobStatus.Succeeded, Rows.Now.AddHours(-1));
        c1.ArrayParentId = "parent";
        c1.ArrayIndex = 1;
        var c2 = Rows.Job("parent:2", "q", BatchJobStatus.Running, Rows.Now.AddHours(-1));
        c2.ArrayParentId = "parent";
        c2.ArrayIndex = 2;
        _db.Add(parent, c0, c1, c2,
            new JobAttemptRow { Account = Rows.Account, Region = Rows.Region, JobId = "parent", AttemptIndex = 1, ExitCode = 0 },
            new JobAttemptRow { Account = Rows.Account, Region = Rows.Region, JobId = "parent", AttemptIndex = 0, ExitCode = 137, Reason = "OutOfMemoryError" });

        var detail = await _queries.GetJobAsync("parent");
        var child = await _queries.GetJobAsync("parent:1");

        Assert.NotNull(detail);
        Assert.Equal([0, 1], detail.Attempts.Select(a => a.AttemptIndex));
        Assert.Equal(137, detail.Attempts[0].ExitCode);
        Assert.NotNull(detail.ArrayChildren);
        Assert.Equal(3, detail.ArrayChildren.Stored);
        Assert.Equal(2, detail.ArrayChildren.CountsByStatus[BatchJobStatus.Succeeded]);
        Assert.Equal(1, detail.ArrayChildren.CountsByStatus[BatchJobStatus.Running]);
        Assert.Null(detail.ArrayParent);
        Assert.NotNull(child?.ArrayParent);
        Assert.Equal("parent", child.ArrayParent.JobId);
        Assert.Equal(1, child.ArrayParent.ArrayIndex);
        Assert.Null(child.ArrayChildren);
    }

    [Fact]
    public async Task GetJobAsync_UnknownId_ReturnsNull()
    {
        SeedTies();

        Assert.Null(await _queries.GetJobAsync("nope"));
    }
}
