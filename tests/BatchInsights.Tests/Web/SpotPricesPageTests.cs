using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.SpotPrices;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Web;

public sealed class SpotPricesPageTests : UiTestContext
{
    public SpotPricesPageTests()
    {
        Services.AddSingleton<IInstanceCatalog>(new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, TimeProvider.System));
    }

    [Fact]
    public void Render_SeededPrices_TableShowsCurrentPricePerAzAndRatio()
    {
        // m5.large is $0.096/h On-Demand in us-east-1 in the embedded catalog.
        Db.Add(
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddDays(-9), 0.040m),
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddHours(-5), 0.048m),
            SpotPriceQueriesTests.Price("us-east-1b", Rows.Now.AddDays(-2), 0.024m));

        var page = RenderPage<SpotPricesPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=spot-row]").Count));
        Assert.Equal("$0.0480", Cell(page, "us-east-1a", "spot-current"));
        Assert.Equal("$0.0400", Cell(page, "us-east-1a", "spot-min"));
        Assert.Equal("50.0 %", Cell(page, "us-east-1a", "spot-ratio"));
        Assert.Equal("$0.0240", Cell(page, "us-east-1b", "spot-current"));
        Assert.Equal("25.0 %", Cell(page, "us-east-1b", "spot-ratio"));
        Assert.Single(page.FindAll("[data-testid=spot-chart]"));
    }

    [Fact]
    public void Render_ReclaimedAttemptOnTheType_CountsItInItsZoneAndListsIt()
    {
        const string arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/AWSBatch-spot/c1";
        Db.Add(
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddDays(-9), 0.040m),
            SpotPriceQueriesTests.Price("us-east-1b", Rows.Now.AddDays(-2), 0.024m),
            new ContainerInstanceRow
            {
                Account = Rows.Account, Region = Rows.Region, ContainerInstanceArn = arn, ClusterName = "AWSBatch-spot",
                Status = ContainerInstanceStatus.Missing, EstimatedInstanceId = "i-0abc", EstimatedInstanceType = "m5.large",
                EstimatedAvailabilityZone = "us-east-1b", EstimateBasis = "reclaim-reason+instance",
            },
            new JobAttemptRow
            {
                Account = Rows.Account, Region = Rows.Region, JobId = "job-1", ContainerInstanceArn = arn,
                StartedAtMs = Rows.Ms(Rows.Now.AddHours(-3)), StoppedAtMs = Rows.Ms(Rows.Now.AddHours(-2)),
                StatusReason = "Host EC2 (instance i-0abc) terminated.",
            });

        var page = RenderPage<SpotPricesPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=spot-row]").Count));
        Assert.Equal("0", Cell(page, "us-east-1a", "spot-interruptions"));
        Assert.Equal("1", Cell(page, "us-east-1b", "spot-interruptions"));
        var row = Assert.Single(page.FindAll("[data-testid=spot-interruption-row]"));
        Assert.Contains("i-0abc", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("job-1", row.TextContent, StringComparison.Ordinal);
        // The zone came from an estimate (ECS had forgotten the container instance): labelled as one.
        Assert.Single(page.FindAll("[data-testid=spot-interruption-estimated]"));
    }

    [Fact]
    public void Render_TypeInUrl_ShowsThatType()
    {
        Db.Add(
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddHours(-5), 0.048m),
            SpotPriceQueriesTests.Price("us-east-1c", Rows.Now.AddHours(-5), 0.033m, type: "c5.large"));
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("type", "m5.large"));

        var page = RenderPage<SpotPricesPage>();

        page.WaitForAssertion(() => Assert.Equal("us-east-1a", Assert.Single(page.FindAll("[data-testid=spot-row]")).GetAttribute("data-az")));
    }

    [Fact]
    public void Render_NoPricesHarvested_ShowsEmptyState()
    {
        var page = RenderPage<SpotPricesPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=spot-empty]")));
        Assert.Empty(page.FindAll("[data-testid=spot-table]"));
    }

    private static string Cell(IRenderedComponent<SpotPricesPage> page, string az, string testId) =>
        page.Find($"[data-testid=spot-row][data-az={az}] [data-testid={testId}]").TextContent.Trim();
}
