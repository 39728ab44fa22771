using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Recommendations;
using BatchInsights.Web.Components.Pages.Recommendations;
using BatchInsights.Web.Endpoints;
using Bunit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Web;

public sealed class RecommendationsPageTests : UiTestContext
{
    public RecommendationsPageTests()
    {
        Services.AddTransient<RecommendationStore>();
    }

    private RecommendationStore Store => Services.GetRequiredService<RecommendationStore>();

    [Fact]
    public async Task Render_TwoRecommendations_ListsLargestSavingsFirst()
    {
        await RecommendationStoreTests.StoreRunAsync(Store, RecommendationStoreTests.Sample("small", 20m), RecommendationStoreTests.Sample("big", 900m));

        var page = RenderPage<RecommendationsPage>();

        page.WaitForAssertion(() => Assert.Equal(["big", "small"], page.FindAll("[data-testid=recommendation-row]").Select(r => r.GetAttribute("data-target"))));
        Assert.Contains("$900.00", page.FindAll("[data-testid=recommendation-savings]")[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_CriticalWithNoSavings_IsNamedAboveTheSavingsOrderedTable()
    {
        var stuck = RecommendationStoreTests.Sample("lab-isolated", 0m) with { Title = "lab-isolated: no network path", Severity = RecommendationSeverity.Critical };
        await RecommendationStoreTests.StoreRunAsync(Store, RecommendationStoreTests.Sample("big", 900m), stuck);

        var page = RenderPage<RecommendationsPage>();

        page.WaitForAssertion(() => Assert.Equal(["big", "lab-isolated"], page.FindAll("[data-testid=recommendation-row]").Select(r => r.GetAttribute("data-target"))));
        Assert.Contains("1 need attention now", page.Find("[data-testid=critical-summary]").TextContent, StringComparison.Ordinal);
        Assert.Equal("lab-isolated: no network path", Assert.Single(page.FindAll("[data-testid=critical-link]")).TextContent);
    }

    [Fact]
    public async Task Render_NothingCritical_ShowsNoAttentionBanner()
    {
        await RecommendationStoreTests.StoreRunAsync(Store, RecommendationStoreTests.Sample("big", 900m));

        var page = RenderPage<RecommendationsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=recommendation-row]")));
        Assert.Empty(page.FindAll("[data-testid=critical-summary]"));
    }

    [Fact]
    public async Task Render_Detail_ShowsDiffEvidenceAndDismissHidesItFromTheList()
    {
        await RecommendationStoreTests.StoreRunAsync(Store, RecommendationStoreTests.Sample());
        var id = (await Store.ListLatestAsync(Core.Browse.TargetFilter.From(null, null))).Single().Id;

        var page = Render<RecommendationDetailPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Equal("r6i.large", page.Find("[data-testid=change-proposed]").TextContent));
        Assert.Equal("optimal", page.Find("[data-testid=change-current]").TextContent);
        Assert.Equal("Histogram", page.Find("[data-testid=evidence]").GetAttribute("data-kind"));
        page.Find("input[data-testid=dismiss-reason], [data-testid=dismiss-reason] input").Input("not now");
        page.Find("[data-testid=dismiss-button]").Click();

        page.WaitForAssertion(() => Assert.Contains("not now", page.Find("[data-testid=dismissed]").TextContent, StringComparison.Ordinal));
        Assert.Empty(await Store.ListLatestAsync(Core.Browse.TargetFilter.From(null, null)));
    }

    [Fact]
    public async Task Api_ListAndGet_ReturnStoredRecommendationsAnd404ForUnknownId()
    {
        await RecommendationStoreTests.StoreRunAsync(Store, RecommendationStoreTests.Sample("a", 10m), RecommendationStoreTests.Sample("b", 30m));

        var list = await RecommendationEndpoints.ListAsync(Store, null, null, null, CancellationToken.None);
        var filtered = await RecommendationEndpoints.ListAsync(Store, "999999999999", null, null, CancellationToken.None);
        var one = await RecommendationEndpoints.GetAsync(Store, list.Value![0].Id, CancellationToken.None);
        var missing = await RecommendationEndpoints.GetAsync(Store, 424242, CancellationToken.None);

        Assert.Equal(["b", "a"], list.Value!.Select(r => r.TargetName));
        Assert.Empty(filtered.Value!);
        Assert.Equal("b", Assert.IsType<Ok<RecommendationDetail>>(one.Result).Value!.Recommendation.TargetName);
        Assert.IsType<NotFound>(missing.Result);
    }
}
