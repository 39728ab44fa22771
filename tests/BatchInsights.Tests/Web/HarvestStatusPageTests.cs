using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.Harvest;
using Bunit;

namespace BatchInsights.Tests.Web;

public sealed class HarvestStatusPageTests : UiTestContext
{
    private const string Denied =
        "UnauthorizedOperation: User: arn:aws:sts::123456789012:assumed-role/bi/x is not authorized to perform: ec2:DescribeSpotPriceHistory";

    [Fact]
    public void Render_SpotPricesDenied_FailingRowWithReasonAndPermissionToAdd()
    {
        Db.Add(
            HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(2)),
            HarvestStatusQueriesTests.Run("spot-prices", HarvestOutcome.Failed, TimeSpan.FromMinutes(5), error: Denied));

        var page = RenderPage<HarvestRunsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=harvest-status-row]").Count));
        var rows = page.FindAll("[data-testid=harvest-status-row]");
        Assert.Equal(
            [("batch", HarvestHealth.Ok), ("spot-prices", HarvestHealth.Failing)],
            rows.Select(r => (r.GetAttribute("data-kind"), r.GetAttribute("data-health"))));
        Assert.Contains("not authorized to perform: ec2:DescribeSpotPriceHistory", rows[1].TextContent);
        Assert.Equal("ec2:DescribeSpotPriceHistory", page.Find("[data-testid=harvest-missing-permission]").TextContent);
        Assert.Contains("IAM policy", page.Find("[data-testid=harvest-access-denied]").TextContent);
        // The runs table stays below the status.
        Assert.Equal(2, page.FindAll("[data-testid=harvest-run-row]").Count);
    }

    [Fact]
    public void Render_AllHealthy_NoAccessAlert()
    {
        Db.Add(HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(2)));

        var page = RenderPage<HarvestRunsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=harvest-status-row]")));
        Assert.Empty(page.FindAll("[data-testid=harvest-access-denied]"));
        Assert.Contains("1m", page.Find("[data-testid=harvest-lag]").TextContent);
    }

    [Fact]
    public void DataChanged_HarvestFailed_StatusTurnsFailingWithoutReload()
    {
        Db.Add(HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(3)));
        var page = RenderPage<HarvestRunsPage>();
        page.WaitForAssertion(() => Assert.Equal(HarvestHealth.Ok,
            page.Find("[data-testid=harvest-status-row]").GetAttribute("data-health")));

        Db.Add(HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Failed, TimeSpan.FromMinutes(1), error: "ThrottlingException: Rate exceeded"));
        DataChanged.Raise();

        page.WaitForAssertion(() => Assert.Equal(HarvestHealth.Failing,
            page.Find("[data-testid=harvest-status-row]").GetAttribute("data-health")));
        Assert.Contains("Rate exceeded", page.Find("[data-testid=harvest-status-error]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=harvest-access-denied]"));
    }
}
