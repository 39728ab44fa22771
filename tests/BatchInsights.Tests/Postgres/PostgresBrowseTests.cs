using System.Globalization;
using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// The Browse queries over the same rows in PostgreSQL and in SQLite: a user must see the same pages,
/// counts and times whichever database the app is configured with.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresBrowseTests(PostgresServerFixture server) : IAsyncLifetime, IDisposable
{
    private readonly TestDatabase _sqlite = new();
    private PostgresTestDatabase _postgres = null!;
    private List<JobRow> _jobs = [];

    public async Task InitializeAsync()
    {
        _postgres = await server.CreateMigratedDatabaseAsync();
        _jobs = Jobs();
        var disabled = Rows.Ce("ce-off");
        disabled.State = "DISABLED";
        var etl = Rows.Queue("etl", "ce-spot", "ce-od");
        etl.Priority = 10;
        object[] rows =
        [
            Rows.Ce("ce-spot", "SPOT"), Rows.Ce("ce-od"), disabled,
            etl, Rows.Queue("analytics", "ce-od"), Rows.Queue("Zeta", "ce-off"), Rows.Queue("ml_train", "ce-spot"),
            .. _jobs,
            Run(1, Rows.Now.AddHours(-2)), Run(2, Rows.Now.AddHours(-1)),
        ];
        _sqlite.Add(rows);
        await using var db = await _postgres.Factory.CreateDbContextAsync();
        db.AddRange(Clone(rows));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _postgres.DisposeAsync();

    public void Dispose() => _sqlite.Dispose();

    [Theory]
    [InlineData(null, null, null, JobSort.CreatedDesc, 7)]
    [InlineData(null, null, null, JobSort.CreatedAsc, 50)]
    [InlineData("etl", null, null, JobSort.CreatedDesc, 5)]
    [InlineData(null, "running", null, JobSort.CreatedAsc, 3)]
    [InlineData("etl", "FAILED", "train", JobSort.CreatedDesc, 2)]
    [InlineData(null, null, "train", JobSort.CreatedDesc, 4)]
    [InlineData(null, null, "Train", JobSort.CreatedAsc, 4)]
    [InlineData(null, null, "trai_", JobSort.CreatedDesc, 4)]
    [InlineData(null, null, "50%", JobSort.CreatedDesc, 4)]
    [InlineData("Zeta", null, null, JobSort.CreatedDesc, 4)]
    public async Task ListAsync_SameFilterOnPostgresAndSqlite_WalksSamePages(string? queue, string? status, string? prefix, JobSort sort, int limit)
    {
        var filter = new JobFilter(queue, status, prefix, Rows.Ms(Rows.Now.AddMinutes(-50)), Rows.Ms(Rows.Now), sort);

        var onPostgres = await WalkAsync(_postgres.Factory, filter, limit);
        var onSqlite = await WalkAsync(_sqlite.Factory, filter, limit);

        Assert.Equal(onSqlite.Pages, onPostgres.Pages);
        Assert.Equal(Expected(filter), onPostgres.Ids);
    }

    [Fact]
    public async Task ListAsync_QueuesOnPostgresAndSqlite_SameCountsOrderAndStuckVerdicts()
    {
        var time = new FakeTimeProvider(Rows.Now);
        var options = Options.Create(new BrowseOptions());

        var onPostgres = await new QueueQueries(_postgres.Factory, time, options).ListAsync();
        var onSqlite = await new QueueQueries(_sqlite.Factory, time, options).ListAsync();

        // Counts are a JSON object: the order of its keys (the GROUP BY's) carries no meaning.
        Assert.Equal(Json(onSqlite.Select(SortedCounts)), Json(onPostgres.Select(SortedCounts)));
        Assert.Equal(["etl", "Zeta", "analytics", "ml_train"], onPostgres.Select(q => q.Name));
        var etl = onPostgres[0];
        Assert.Equal(_jobs.Count(j => j.QueueName == "etl" && j.Status == BatchJobStatus.Runnable), etl.Count(BatchJobStatus.Runnable));
        Assert.True(etl.Stuck);
        Assert.Equal(
            await new QueueQueries(_sqlite.Factory, time, options).ListNamesAsync(),
            await new QueueQueries(_postgres.Factory, time, options).ListNamesAsync());
    }

    [Theory]
    [InlineData("arr-parent")]
    [InlineData("arr-parent:3")]
    [InlineData("job-017")]
    public async Task GetJobAsync_OnPostgresAndSqlite_SameDetail(string jobId)
    {
        var onPostgres = await new JobQueries(_postgres.Factory).GetJobAsync(jobId);
        var onSqlite = await new JobQueries(_sqlite.Factory).GetJobAsync(jobId);

        Assert.NotNull(onPostgres);
        Assert.Equal(Json(onSqlite), Json(onPostgres));
    }

    [Fact]
    public async Task ListLatestAsync_HarvestRunsOnPostgresAndSqlite_SameUtcTimes()
    {
        var onPostgres = await new HarvestRunQueries(_postgres.Factory).ListLatestAsync();
        var onSqlite = await new HarvestRunQueries(_sqlite.Factory).ListLatestAsync();

        // The JSON API shows these: both must carry the UTC 'Z'.
        Assert.Equal(Json(onSqlite), Json(onPostgres));
        Assert.Contains("\"2026-11-25T11:00:00Z\"", Json(onPostgres), StringComparison.Ordinal);
    }

    /// <summary>
    /// 160 jobs over four queues and all statuses, created in bursts (many share a millisecond, so the
    /// job id decides the order), with names that differ in case and contain LIKE's wildcards, plus one array.
    /// </summary>
    private static List<JobRow> Jobs()
    {
        string[] queues = ["etl", "analytics", "Zeta", "ml_train"];
        string[] names = ["train-", "Train-", "trai_n-", "trainx-", "etl-", "50%-off-", "50-", "TRAIN"];
        var jobs = new List<JobRow>();
        for (var i = 0; i < 160; i++)
        {
            var created = Rows.Now.AddMinutes(-(i % 60)).AddSeconds(-(i % 3));
            var job = Rows.Job(
                string.Create(CultureInfo.InvariantCulture, $"job-{(i * 37) % 160:D3}"),
                queues[i % queues.Length],
                BatchJobStatus.All[i % BatchJobStatus.All.Count],
                created,
                names[i % names.Length] + i.ToString(CultureInfo.InvariantCulture));
            job.StartedAtMs = job.CreatedAtMs + 1_000;
            job.AttemptCount = i % 3;
            jobs.Add(job);
        }

        var parentCreated = Rows.Now.AddMinutes(-10);
        var parent = Rows.Job("arr-parent", "etl", BatchJobStatus.Running, parentCreated, "train-array");
        parent.ArraySize = 5;
        jobs.Add(parent);
        for (var index = 0; index < 5; index++)
        {
            var child = Rows.Job(string.Create(CultureInfo.InvariantCulture, $"arr-parent:{index}"), "etl",
                index < 3 ? BatchJobStatus.Succeeded : BatchJobStatus.Running, parentCreated, "train-array");
            child.ArrayParentId = "arr-parent";
            child.ArrayIndex = index;
            child.FromSummary = true;
            jobs.Add(child);
        }

        return jobs;
    }

    private static HarvestRunRow Run(long id, DateTimeOffset started) => new()
    {
        Id = id,
        Account = Rows.Account,
        Region = Rows.Region,
        Kind = "batch",
        Outcome = HarvestOutcome.Succeeded,
        StartedAt = started.UtcDateTime,
        EndedAt = started.AddMinutes(1).UtcDateTime,
        JobsWritten = 160,
    };

    /// <summary>What the filter means, evaluated in memory: ids compare ordinally, the name prefix ignores case (as AWS's JOB_NAME filter).</summary>
    private List<string> Expected(JobFilter filter)
    {
        var matching = _jobs.Where(j =>
            (filter.Queue is null || j.QueueName == filter.Queue)
            && (filter.Status is null || j.Status == BatchJobStatus.Normalize(filter.Status))
            && (filter.NamePrefix is null || j.JobName.StartsWith(filter.NamePrefix, StringComparison.OrdinalIgnoreCase))
            && j.CreatedAtMs >= filter.CreatedFromMs && j.CreatedAtMs < filter.CreatedToMs);
        var ordered = filter.Sort == JobSort.CreatedAsc
            ? matching.OrderBy(j => j.CreatedAtMs).ThenBy(j => j.JobId, StringComparer.Ordinal)
            : matching.OrderByDescending(j => j.CreatedAtMs).ThenByDescending(j => j.JobId, StringComparer.Ordinal);
        return ordered.Select(j => j.JobId).ToList();
    }

    private static async Task<(List<string> Pages, List<string> Ids)> WalkAsync(
        IDbContextFactory<BatchInsightsDbContext> factory, JobFilter filter, int limit)
    {
        var queries = new JobQueries(factory);
        var pages = new List<string>();
        var ids = new List<string>();
        string? after = null;
        do
        {
            var page = await queries.ListAsync(filter, after, limit);
            pages.Add(Json(page));
            ids.AddRange(page.Items.Select(j => j.JobId));
            after = page.Next;
            Assert.True(pages.Count <= 200, "Paging does not end.");
        }
        while (after is not null);

        return (pages, ids);
    }

    private static QueueSummary SortedCounts(QueueSummary queue) =>
        queue with { JobCounts = new SortedDictionary<string, long>(queue.JobCounts.ToDictionary(), StringComparer.Ordinal) };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    /// <summary>Fresh copies of the rows for the second database (EF tracks instances per context).</summary>
    private static object[] Clone(object[] rows) =>
        rows.Select(r => JsonSerializer.Deserialize(JsonSerializer.Serialize(r, r.GetType()), r.GetType())!).ToArray();
}
