using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.Queues;
using Bunit;

namespace BatchInsights.Tests.Web;

public sealed class QueuesPageTests : UiTestContext
{
    [Fact]
    public void Render_OneStuckQueue_WarnsOnlyForThatQueueWithReason()
    {
        Db.Add(Rows.Ce("ce"), Rows.Queue("stuck", "ce"), Rows.Queue("healthy", "ce"),
            Rows.Job("s1", "stuck", BatchJobStatus.Runnable, Rows.Now.AddHours(-2)),
            Rows.Job("h1", "healthy", BatchJobStatus.Runnable, Rows.Now.AddMinutes(-5)));

        var page = RenderPage<QueuesPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=queue-row]").Count));
        var warning = Assert.Single(page.FindAll("[data-testid=queue-stuck-warning]"));
        Assert.Equal("stuck", warning.GetAttribute("data-queue"));
        Assert.Contains("Oldest RUNNABLE job has waited 2h 0m", warning.TextContent);
    }

    [Fact]
    public void Render_JobsInSeveralStatuses_ShowsCountsPerQueueAndStatus()
    {
        Db.Add(Rows.Ce("ce"), Rows.Queue("main", "ce"), Rows.Queue("idle", "ce"),
            Rows.Job("1", "main", BatchJobStatus.Running, Rows.Now.AddMinutes(-3)),
            Rows.Job("2", "main", BatchJobStatus.Running, Rows.Now.AddMinutes(-2)),
            Rows.Job("3", "main", BatchJobStatus.Failed, Rows.Now.AddMinutes(-1)));

        var page = RenderPage<QueuesPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=queue-row]").Count));
        Assert.Equal("2", Count(page, "main", BatchJobStatus.Running));
        Assert.Equal("1", Count(page, "main", BatchJobStatus.Failed));
        Assert.Equal("0", Count(page, "main", BatchJobStatus.Succeeded));
        Assert.Equal("0", Count(page, "idle", BatchJobStatus.Running));
        Assert.Empty(page.FindAll("[data-testid=queue-stuck-warning]"));
    }

    [Fact]
    public void DataChanged_QueueBecameStuck_PageShowsWarningWithoutReload()
    {
        Db.Add(Rows.Ce("ce"), Rows.Queue("main", "ce"));
        var page = RenderPage<QueuesPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=queue-row]")));
        Assert.Empty(page.FindAll("[data-testid=queue-stuck-warning]"));

        Db.Add(Rows.Job("late", "main", BatchJobStatus.Runnable, Rows.Now.AddHours(-1)));
        DataChanged.Raise();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=queue-stuck-warning]")));
    }

    [Fact]
    public void Render_NoQueues_ShowsEmptyState()
    {
        var page = RenderPage<QueuesPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=queues-empty]")));
    }

    private static string Count(IRenderedComponent<QueuesPage> page, string queue, string status) =>
        page.Find($"[data-testid=queue-row][data-queue={queue}] [data-testid=queue-count][data-status={status}]").TextContent.Trim();
}
