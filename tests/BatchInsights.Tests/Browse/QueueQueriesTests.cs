using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Browse;

public sealed class QueueQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private QueueQueries Queries() =>
        new(_db.Factory, new FakeTimeProvider(Rows.Now), Options.Create(new BrowseOptions()));

    [Fact]
    public async Task ListAsync_CountsByStatusAndCeNames_FromStoredRows()
    {
        _db.Add(Rows.Ce("ce-spot", "SPOT"), Rows.Ce("ce-od"), Rows.Queue("main", "ce-spot", "ce-od"),
            Rows.Job("1", "main", BatchJobStatus.Running, Rows.Now.AddMinutes(-5)),
            Rows.Job("2", "main", BatchJobStatus.Running, Rows.Now.AddMinutes(-4)),
            Rows.Job("3", "main", BatchJobStatus.Failed, Rows.Now.AddMinutes(-3)),
            Rows.Job("4", "other", BatchJobStatus.Failed, Rows.Now.AddMinutes(-3)));

        var queue = Assert.Single(await Queries().ListAsync());

        Assert.Equal(["ce-spot", "ce-od"], queue.ComputeEnvironments);
        Assert.Equal(2, queue.Count(BatchJobStatus.Running));
        Assert.Equal(1, queue.Count(BatchJobStatus.Failed));
        Assert.Equal(0, queue.Count(BatchJobStatus.Runnable));
        Assert.False(queue.Stuck);
    }

    [Fact]
    public async Task ListAsync_OldRunnableJob_FlagsOnlyThatQueueWithAge()
    {
        _db.Add(Rows.Ce("ce"), Rows.Queue("stuck", "ce"), Rows.Queue("fine", "ce"),
            Rows.Job("old", "stuck", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-45)),
            Rows.Job("new", "stuck", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-1)),
            Rows.Job("ok", "fine", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-10)));

        var queues = (await Queries().ListAsync()).ToDictionary(q => q.Name);

        Assert.True(queues["stuck"].Stuck);
        Assert.Equal(TimeSpan.FromMinutes(45), queues["stuck"].OldestRunnableAge);
        Assert.Contains("45m", Assert.Single(queues["stuck"].StuckReasons));
        Assert.False(queues["fine"].Stuck);
        Assert.Equal(TimeSpan.FromMinutes(10), queues["fine"].OldestRunnableAge);
    }

    [Fact]
    public async Task ListAsync_InvalidComputeEnvironment_FlagsQueueWithReason()
    {
        var ce = Rows.Ce("broken");
        ce.Status = "INVALID";
        ce.StatusReason = "CLIENT_ERROR - subnet not found";
        _db.Add(ce, Rows.Queue("q", "broken"));

        var queue = Assert.Single(await Queries().ListAsync());

        Assert.True(queue.Stuck);
        Assert.Contains("broken is INVALID: CLIENT_ERROR - subnet not found", Assert.Single(queue.StuckReasons));
    }
}
