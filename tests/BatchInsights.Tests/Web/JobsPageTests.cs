using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.Jobs;
using Bunit;
using MudBlazor;

namespace BatchInsights.Tests.Web;

public sealed class JobsPageTests : UiTestContext
{
    /// <summary>60 jobs one minute apart (job-00 newest), every third FAILED, the rest SUCCEEDED.</summary>
    private List<JobRow> Seed()
    {
        var jobs = Enumerable.Range(0, 60)
            .Select(i => Rows.Job($"job-{i:D2}", i % 2 == 0 ? "even" : "odd", i % 3 == 0 ? BatchJobStatus.Failed : BatchJobStatus.Succeeded,
                Rows.Now.AddMinutes(-i)))
            .ToList();
        Db.Add(Rows.Queue("even"), Rows.Queue("odd"));
        Db.Add([.. jobs]);
        return jobs;
    }

    private static List<string> RowIds(IRenderedComponent<JobsPage> page) =>
        page.FindAll("[data-testid=job-row]").Select(r => r.GetAttribute("data-job-id")!).ToList();

    [Fact]
    public void Render_NoFilter_ShowsNewestFiftyWithNextEnabled()
    {
        var jobs = Seed();

        var page = RenderPage<JobsPage>();

        page.WaitForAssertion(() => Assert.Equal(jobs.Take(50).Select(j => j.JobId), RowIds(page)));
        Assert.False(page.Find("[data-testid=jobs-next-page]").HasAttribute("disabled"));
        Assert.True(page.Find("[data-testid=jobs-previous-page]").HasAttribute("disabled"));
    }

    [Fact]
    public void NextPage_Clicked_ShowsTheFollowingRowsAndPreviousReturns()
    {
        var jobs = Seed();
        var page = RenderPage<JobsPage>();
        page.WaitForAssertion(() => Assert.Equal(50, RowIds(page).Count));

        page.Find("[data-testid=jobs-next-page]").Click();

        page.WaitForAssertion(() => Assert.Equal(jobs.Skip(50).Select(j => j.JobId), RowIds(page)));
        Assert.True(page.Find("[data-testid=jobs-next-page]").HasAttribute("disabled"));
        Assert.Contains("Page 2", page.Find("[data-testid=jobs-page-number]").TextContent);

        page.Find("[data-testid=jobs-previous-page]").Click();

        page.WaitForAssertion(() => Assert.Equal(jobs.Take(50).Select(j => j.JobId), RowIds(page)));
    }

    [Fact]
    public void StatusInUrl_Rendered_ShowsOnlyThatStatus()
    {
        var jobs = Seed();
        Navigation.NavigateTo("/jobs?status=FAILED&queue=even");

        var page = RenderPage<JobsPage>();

        var expected = jobs.Where(j => j.Status == BatchJobStatus.Failed && j.QueueName == "even").Select(j => j.JobId);
        page.WaitForAssertion(() => Assert.Equal(expected, RowIds(page)));
    }

    [Fact]
    public async Task StatusFilter_Chosen_NarrowsRowsAndGoesIntoUrl()
    {
        var jobs = Seed();
        var page = RenderPage<JobsPage>();
        page.WaitForAssertion(() => Assert.Equal(50, RowIds(page).Count));

        // What MudSelect does when the user picks an item.
        var statusFilter = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Status");
        await page.InvokeAsync(() => statusFilter.Instance.ValueChanged.InvokeAsync(BatchJobStatus.Failed));

        Assert.Contains("status=FAILED", Navigation.Uri, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Equal(
            jobs.Where(j => j.Status == BatchJobStatus.Failed).Select(j => j.JobId), RowIds(page)));
        Assert.All(page.FindAll("[data-testid=job-row]"), r => Assert.Equal(BatchJobStatus.Failed, r.GetAttribute("data-status")));
    }

    [Fact]
    public void FilterChange_OnSecondPage_StartsAgainAtFirstPage()
    {
        Seed();
        var page = RenderPage<JobsPage>();
        page.WaitForAssertion(() => Assert.Equal(50, RowIds(page).Count));
        page.Find("[data-testid=jobs-next-page]").Click();
        page.WaitForAssertion(() => Assert.Equal(10, RowIds(page).Count));

        Navigation.NavigateTo("/jobs?sort=asc");

        page.WaitForAssertion(() => Assert.Equal("job-59", RowIds(page)[0]));
        Assert.Contains("Page 1", page.Find("[data-testid=jobs-page-number]").TextContent);
    }
}
