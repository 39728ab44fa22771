using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Reports;
using BatchInsights.Web.Endpoints;
using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Reports;

/// <summary>The Reports pages (bUnit) and the /api/v1/reports handlers over a real SQLite file.</summary>
public sealed class ReportsPageTests : UiTestContext
{
    private static readonly long Monday = IsoWeek.Parse("2026-W47").UtcRangeMs(TimeZoneInfo.Utc).StartMs;

    public ReportsPageTests()
    {
        Services.AddSingleton<IInstanceCatalog>(new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, Clock));
        Services.AddTransient<RecommendationStore>();
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        Services.AddWeeklyReports();
        Services.AddReportDelivery();
    }

    private WeeklyReportService Reports => Services.GetRequiredService<WeeklyReportService>();

    private async Task BuildAsync(params string[] weeks)
    {
        Db.Add(CostsPageTests.Rollup(ReportSamples.TrickyQueue, "spot-ce", Monday, 4_000_000, tagValue: "red"),
            CostsPageTests.Rollup("", "spot-ce", Monday + 86_400_000, 1_000_000, idle: true),
            CostsPageTests.Rollup("ml", "od-ce", Monday - (3 * 86_400_000L), 2_000_000, Core.Costs.CostLifecycle.OnDemand, tagValue: "blue"));
        foreach (var week in weeks)
        {
            await Reports.BuildAsync(IsoWeek.Parse(week));
        }
    }

    [Fact]
    public async Task ReportsPage_StoredWeeks_ArchiveNewestFirstWithTotals()
    {
        await BuildAsync("2026-W46", "2026-W47");

        var page = RenderPage<ReportsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=report-archive-row]").Count));
        var rows = page.FindAll("[data-testid=report-archive-row]");
        Assert.Equal(["2026-W47", "2026-W46"], rows.Select(r => r.GetAttribute("data-week")));
        Assert.Contains("$5.00", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("+150.0 %", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("/reports/2026-W47", rows[0].QuerySelector("a")!.GetAttribute("href"));
        // The build control offers the last full week before "now" (Wednesday 2026-11-25).
        Assert.Equal("2026-W47", page.Find("[data-testid=report-build-week] input").GetAttribute("value"));
    }

    [Fact]
    public void ReportsPage_BuildControl_BuildsThePickedWeekAndOpensIt()
    {
        var page = RenderPage<ReportsPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=report-archive-empty]")));

        page.Find("[data-testid=report-build-week] input").Change("2026-W45");
        page.Find("[data-testid=report-build]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/reports/2026-W45", Navigation.Uri, StringComparison.Ordinal));
        using var db = Db.Factory.CreateDbContext();
        Assert.Equal(["2026-W45"], db.WeeklyReports.Select(r => r.Week).ToList());
    }

    [Fact]
    public void ReportsPage_BadWeekTyped_ClearMessageNothingBuilt()
    {
        var page = RenderPage<ReportsPage>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=report-archive-empty]")));

        page.Find("[data-testid=report-build-week] input").Change("2026-47");
        page.Find("[data-testid=report-build]").Click();

        Assert.Contains("use YYYY-Www", page.Find("[data-testid=report-build-error]").TextContent, StringComparison.Ordinal);
        using var db = Db.Factory.CreateDbContext();
        Assert.Empty(db.WeeklyReports);
    }

    [Fact]
    public async Task ReportWeekPage_BuiltWeek_ShowsTotalsTablesChartAndLinks()
    {
        await BuildAsync("2026-W47");

        var page = Render<ReportWeekPage>(p => p.Add(x => x.Week, "2026-W47"));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=report-table]")));
        Assert.Contains("$5.00", page.Find("[data-testid=report-kpi-total]").TextContent, StringComparison.Ordinal);
        var queues = page.Find("[data-testid=report-table][data-table=queue]");
        Assert.Contains(ReportSamples.TrickyQueue, queues.TextContent, StringComparison.Ordinal);
        Assert.Contains("$4.00", queues.TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=report-chart]"));
        Assert.Contains(page.FindAll("[data-testid=report-csv-link]"), a => a.GetAttribute("href") == "/api/v1/reports/2026-W47.csv?table=queue");
        Assert.Equal("/api/v1/reports/2026-W47.html", page.Find("[data-testid=report-html-link]").GetAttribute("href"));
        // Nothing was applied through BatchInsights that week: the section says so, and what it would not see.
        Assert.Equal(WeeklyReportService.NoChangesNote, page.Find("[data-testid=report-ce-changes-note]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=report-ce-change]"));
        // The week's delivery state sits on the same page; with no Reports:Recipients it says how to configure them.
        Assert.Equal("2026-W47", page.Find("[data-testid=delivery-panel]").GetAttribute("data-week"));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=no-recipients]")));
    }

    [Fact]
    public void ReportWeekPage_UnbuiltWeek_OffersToBuildIt()
    {
        var page = Render<ReportWeekPage>(p => p.Add(x => x.Week, "2026-W40"));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=report-not-built]")));
        page.Find("[data-testid=report-build]").Click();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=report-kpi-total]")));
    }

    [Fact]
    public void ReportWeekPage_MalformedWeek_SaysWhatAWeekLooksLike()
    {
        var page = Render<ReportWeekPage>(p => p.Add(x => x.Week, "last-week"));

        page.WaitForAssertion(() => Assert.Contains("YYYY-Www", page.Find("[data-testid=report-bad-week]").TextContent, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2026-W99")]
    [InlineData("last-week")]
    [InlineData("2026-W4x.csv")]
    public async Task GetReportAsync_BadWeek_400NamingWeek(string week)
    {
        var result = await ReportEndpoints.GetReportAsync(Reports, week, null, CancellationToken.None);

        var problem = Assert.IsType<ValidationProblem>(result);
        Assert.Equal(["week"], problem.ProblemDetails.Errors.Keys);
        Assert.Contains("e.g. 2026-W47", problem.ProblemDetails.Errors["week"][0], StringComparison.Ordinal);
        Assert.IsType<ValidationProblem>(await ReportEndpoints.BuildReportAsync(Reports, week, CancellationToken.None));
    }

    [Theory]
    [InlineData("2026-W40")]
    [InlineData("2026-W40.csv")]
    [InlineData("2026-W40.html")]
    public async Task GetReportAsync_UnbuiltWeek_404WithHowToBuild(string week)
    {
        var result = await ReportEndpoints.GetReportAsync(Reports, week, null, CancellationToken.None);

        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status404NotFound, problem.StatusCode);
        Assert.Contains("POST /api/v1/reports/2026-W40/build", problem.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetReportAsync_BuiltWeek_JsonCsvAndHtml()
    {
        var built = await ReportEndpoints.BuildReportAsync(Reports, "2026-W47", CancellationToken.None);
        Assert.Equal(0m, Assert.IsType<Ok<WeeklyReportSummary>>(built).Value!.TotalUsd);
        await BuildAsync("2026-W47");

        var json = Assert.IsType<Ok<WeeklyReport>>(await ReportEndpoints.GetReportAsync(Reports, "2026-W47", null, CancellationToken.None)).Value!;
        var csv = Assert.IsType<FileContentHttpResult>(await ReportEndpoints.GetReportAsync(Reports, "2026-W47.csv", null, CancellationToken.None));
        var tagCsv = Assert.IsType<FileContentHttpResult>(await ReportEndpoints.GetReportAsync(Reports, "2026-w47.CSV", "tag-team", CancellationToken.None));
        var html = Assert.IsType<ContentHttpResult>(await ReportEndpoints.GetReportAsync(Reports, "2026-W47.html", null, CancellationToken.None));
        var list = Assert.IsType<Ok<IReadOnlyList<ReportListItem>>>(await ReportEndpoints.ListReportsAsync(Reports, null, CancellationToken.None)).Value!;

        Assert.Equal(5.0m, json.Totals.TotalUsd);
        Assert.Equal("batchinsights-2026-W47-queue.csv", csv.FileDownloadName);
        var records = ReportSamples.ParseCsv(System.Text.Encoding.UTF8.GetString(csv.FileContents.Span));
        Assert.Equal(("Queue", ReportSamples.TrickyQueue, "4.00"), (records[0][0], records[1][0], records[1][1]));
        Assert.StartsWith("Tag: team,", System.Text.Encoding.UTF8.GetString(tagCsv.FileContents.Span), StringComparison.Ordinal);
        Assert.StartsWith("text/html", html.ContentType, StringComparison.Ordinal);
        Assert.Contains("<svg", html.ResponseContent, StringComparison.Ordinal);
        Assert.Equal(["2026-W47"], list.Select(w => w.Week));
    }

    [Fact]
    public async Task GetReportAsync_UnknownCsvTable_400ListingTheTables()
    {
        await BuildAsync("2026-W47");

        var result = await ReportEndpoints.GetReportAsync(Reports, "2026-W47.csv", "teams", CancellationToken.None);

        var problem = Assert.IsType<ValidationProblem>(result);
        var message = problem.ProblemDetails.Errors["table"][0];
        Assert.Contains("'teams'", message, StringComparison.Ordinal);
        Assert.Contains("queue, ce, definition, tag-team, tag-project, daily", message, StringComparison.Ordinal);
    }
}
