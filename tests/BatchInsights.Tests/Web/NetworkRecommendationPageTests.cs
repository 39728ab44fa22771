using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Recommendations;
using BatchInsights.Web.Components.Pages.Recommendations;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Web;

public sealed class NetworkRecommendationPageTests : UiTestContext
{
    public NetworkRecommendationPageTests()
    {
        Services.AddTransient<RecommendationStore>();
    }

    [Fact]
    public async Task Render_NetworkPathAdvice_ShowsTheVpcChangeBreakEvenChartAndNatTable()
    {
        var store = Services.GetRequiredService<RecommendationStore>();
        var advice = Assert.Single(new NetworkPathRule().Evaluate(NetworkPathRuleTests.ThreeNatsNoEndpoints(100)));
        await RecommendationStoreTests.StoreRunAsync(store, advice);
        var id = (await store.ListLatestAsync(Core.Browse.TargetFilter.From(null, null))).Single().Id;

        var page = Render<RecommendationDetailPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Equal("s3 (Gateway)", page.Find("[data-testid=change-proposed]").TextContent));
        Assert.Contains("Vpc", page.Markup, StringComparison.Ordinal);
        Assert.Contains(page.FindAll("[data-testid=evidence]"), e => e.GetAttribute("data-kind") == "Series");
        Assert.Contains("300 GB (measured)", page.Find("[data-testid=evidence-chart-values]").TextContent, StringComparison.Ordinal);
        Assert.Contains(page.FindAll("[data-testid=evidence-table] td"), td => td.TextContent == "nat-a");
    }
}
