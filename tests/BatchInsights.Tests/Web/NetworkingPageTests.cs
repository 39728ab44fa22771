using BatchInsights.Core.Data;
using BatchInsights.Core.Networking;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Components.Pages.Networking;
using Bunit;

namespace BatchInsights.Tests.Web;

public sealed class NetworkingPageTests : UiTestContext
{
    private static ComputeEnvironmentNetworkRow Verdict(string ce, string path, string vpc) => new()
    {
        Account = Rows.Account,
        Region = Rows.Region,
        ComputeEnvironmentArn = Rows.CeArn(ce),
        ComputeEnvironmentName = ce,
        VpcId = vpc,
        Path = path,
        Evidence = $"subnet-{ce} (us-east-1a, route table rtb-1): because",
        HarvestedAt = Rows.Now.UtcDateTime,
    };

    [Fact]
    public void Render_OneCeWithoutPath_ShowsTheRedFlagAndNatCostFromItsBytes()
    {
        var ce = Rows.Ce("busy");
        ce.Subnets = "subnet-a";
        var day = Rows.Now.AddDays(-1).ToUnixTimeMilliseconds() / 86_400_000 * 86_400_000;
        Db.Add(
            ce,
            Verdict("isolated", NetworkPathKind.NoPath, "vpc-lab"),
            Verdict("busy", NetworkPathKind.NatSameAz, "vpc-prod"),
            new NetworkSubnetRow { Account = Rows.Account, Region = Rows.Region, SubnetId = "subnet-a", VpcId = "vpc-prod", AvailabilityZone = "us-east-1a", DefaultRouteKind = "NatGateway", DefaultRouteTarget = "nat-1" },
            new NetworkNatGatewayRow { Account = Rows.Account, Region = Rows.Region, NatGatewayId = "nat-1", VpcId = "vpc-prod", SubnetId = "subnet-pub", AvailabilityZone = "us-east-1a", State = "available" },
            // 1,000 GB processed (both directions count): 730 h × $0.045 + 1,000 GB × $0.045 = $77.85.
            new NatGatewayDailyBytesRow { Account = Rows.Account, Region = Rows.Region, NatGatewayId = "nat-1", DayMs = day, BytesInFromDestination = 800_000_000_000, BytesInFromSource = 200_000_000_000, BytesOutToSource = 800_000_000_000, BytesOutToDestination = 200_000_000_000 },
            new NetworkEndpointRow { Account = Rows.Account, Region = Rows.Region, VpcEndpointId = "vpce-1", VpcId = "vpc-prod", ServiceName = "com.amazonaws.us-east-1.s3", Type = "Gateway", State = "available" });

        var page = RenderPage<NetworkingPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=network-ce-row]").Count));
        var alert = Assert.Single(page.FindAll("[data-testid=no-path-alert]"));
        Assert.Equal("isolated", alert.GetAttribute("data-ce"));
        Assert.Contains("jobs will stay RUNNABLE", alert.TextContent, StringComparison.Ordinal);
        Assert.Equal("1,000.0", page.Find("[data-testid=nat-row][data-nat=nat-1] [data-testid=nat-gb]").TextContent.Trim());
        Assert.Equal("$77.85", page.Find("[data-testid=nat-row][data-nat=nat-1] [data-testid=nat-cost]").TextContent.Trim());
        Assert.Contains("busy", page.Find("[data-testid=nat-row][data-nat=nat-1]").TextContent, StringComparison.Ordinal);
        var prod = page.Find("[data-testid=endpoint-row][data-vpc=vpc-prod]");
        Assert.Contains("ecs-agent", prod.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoNetworkData_ShowsEmptyState()
    {
        var page = RenderPage<NetworkingPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=network-empty]")));
        Assert.Empty(page.FindAll("[data-testid=no-path-alert]"));
    }
}
