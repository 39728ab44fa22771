using BatchInsights.Core.Reports;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Core.Overview;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Overview;
using BatchInsights.Web.Endpoints;
using Bunit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using static BatchInsights.Tests.Overview.OverviewData;

namespace BatchInsights.Tests.Overview;

public sealed class OverviewPageTests : UiTestContext
{
    public OverviewPageTests()
    {
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ReportOptions()));
        Services.AddTransient<RecommendationStore>();
        Services.AddTransient<OverviewQueries>();
    }

    private void AddData()
    {
        Db.Add(Rows.Ce("ce"), Rows.Queue("etl", "ce"),
            Rows.Job("w1", "etl", BatchJobStatus.Runnable, Rows.Now.AddHours(-2)),
            Rows.Job("r1", "etl", BatchJobStatus.Running, Rows.Now.AddMinutes(-3)),
            Rollup("etl", "ce", Day(2026, 11, 24), 4_000_000, estimated: 1_000_000, tagValue: "red"),
            Rollup("", "ce", Day(2026, 11, 24), 1_000_000, idle: true),
            Rollup("etl", "ce", Day(2026, 11, 17), 2_000_000, tagValue: "red"),
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.AddMinutes(-2).UtcDateTime, EndedAt = Rows.Now.AddMinutes(-1).UtcDateTime, Outcome = HarvestOutcome.Succeeded });
    }

    [Fact]
    public void Render_WithData_ShowsEveryCardWithSpendAndLabelsTheEstimate()
    {
        AddData();

        var page = RenderPage<OverviewPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=card-spend]")));
        foreach (var card in new[] { "card-trend", "card-jobs", "card-stuck", "card-failures", "card-savings", "card-realized", "card-harvest" })
        {
            Assert.Single(page.FindAll($"[data-testid={card}]"));
        }

        Assert.Equal(["queue", "ce", "definition", "tag:team"], page.FindAll("[data-testid=card-top]").Select(c => c.GetAttribute("data-group")));
        Assert.Equal("$5.0000", page.Find("[data-testid=spend-this-week]").TextContent.Trim());
        Assert.Equal("$2.0000", page.Find("[data-testid=spend-last-week]").TextContent.Trim());
        Assert.Contains("+150.0 % vs last week", page.Find("[data-testid=spend-change]").TextContent, StringComparison.Ordinal);
        Assert.Contains("20.0 %", page.Find("[data-testid=spend-idle]").TextContent, StringComparison.Ordinal);
        Assert.Contains("$1.0000 (20.0 %)", page.Find("[data-testid=spend-estimated]").TextContent, StringComparison.Ordinal);
        Assert.Contains("estimated 25.0 %", page.Find("[data-testid=card-top][data-group=queue] [data-testid=top-item][data-key=etl]").TextContent, StringComparison.Ordinal);
        Assert.Equal("etl", page.Find("[data-testid=stuck-queue]").GetAttribute("data-queue"));
        Assert.Equal("1", page.Find("[data-testid=job-status][data-status=RUNNING] a").TextContent.Trim());
        Assert.Contains("Appears once a recommendation is applied", page.Find("[data-testid=realized-pending]").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll("[data-testid=trend-chart]"));
        Assert.Empty(page.FindAll("[data-testid=overview-empty]"));
    }

    [Fact]
    public void Render_AccountAndRegionInUrl_EveryCardLinkCarriesTheFilter()
    {
        AddData();
        Navigation.NavigateTo($"/?account={Rows.Account}&region={Rows.Region}");

        var page = RenderPage<OverviewPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=card-spend]")));
        var links = page.FindAll("[data-testid=card-link]").Select(a => a.GetAttribute("href")!).ToList();
        Assert.Equal(11, links.Count);
        Assert.All(links, href => Assert.EndsWith($"account={Rows.Account}&region={Rows.Region}", href, StringComparison.Ordinal));
        Assert.Contains($"/costs?days=14&account={Rows.Account}&region={Rows.Region}", links);
        Assert.Contains($"/costs?days=30&account={Rows.Account}&region={Rows.Region}", links);
        Assert.Contains($"/costs?groupBy=ce&days=7&account={Rows.Account}&region={Rows.Region}", links);
        Assert.Contains($"/queues?account={Rows.Account}&region={Rows.Region}", links);
        Assert.Contains($"/recommendations?account={Rows.Account}&region={Rows.Region}", links);
        Assert.Contains($"/harvest?account={Rows.Account}&region={Rows.Region}", links);
    }

    [Fact]
    public void Render_EmptyDatabase_ShowsNoDataYetInsteadOfZeroSpend()
    {
        var page = RenderPage<OverviewPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=overview-empty]")));
        Assert.Contains("No data yet", page.Find("[data-testid=overview-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=card-spend]"));
        Assert.Empty(page.FindAll("[data-testid=spend-this-week]"));
    }

    [Fact]
    public void Render_JobsHarvestedButNoCostsYet_SaysSoInsteadOfZeroSpend()
    {
        Db.Add(Rows.Ce("ce"), Rows.Queue("etl", "ce"), Rows.Job("r1", "etl", BatchJobStatus.Running, Rows.Now.AddMinutes(-3)));

        var page = RenderPage<OverviewPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=card-spend]")));
        Assert.Single(page.FindAll("[data-testid=spend-none]"));
        Assert.Empty(page.FindAll("[data-testid=spend-this-week]"));
        Assert.Empty(page.FindAll("[data-testid=trend-chart]"));
        Assert.Equal("1", page.Find("[data-testid=job-status][data-status=RUNNING] a").TextContent.Trim());
    }

    [Fact]
    public async Task GetOverviewApi_OtherAccount_ReturnsThatAccountsEmptySnapshot()
    {
        AddData();
        var queries = Services.GetRequiredService<OverviewQueries>();

        var mine = await OverviewEndpoints.GetOverviewAsync(queries, Rows.Account, null, CancellationToken.None);
        var other = await OverviewEndpoints.GetOverviewAsync(queries, "999999999999", null, CancellationToken.None);

        Assert.Equal((true, 5m), (mine.Value!.HasData, mine.Value.ThisWeek.TotalUsd));
        Assert.Equal((false, 0m, Rows.Account), (other.Value!.HasData, other.Value.ThisWeek.TotalUsd, mine.Value.Account));
        Assert.IsType<Ok<OverviewSnapshot>>(other);
    }
}
