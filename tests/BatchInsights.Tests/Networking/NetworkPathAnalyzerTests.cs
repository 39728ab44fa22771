using BatchInsights.Core.Aws;
using BatchInsights.Core.Networking;

namespace BatchInsights.Tests.Networking;

public sealed class NetworkPathAnalyzerTests
{
    private const string Vpc = "vpc-1";

    private static SubnetSnapshot Subnet(string id, string zone, bool publicIp = false) => new(id, Vpc, zone, "10.0.0.0/20", publicIp);

    private static RouteTableSnapshot Table(string id, bool main, string[] subnets, RouteSnapshot? defaultRoute) =>
        new(id, Vpc, main, subnets, defaultRoute is null ? [Local] : [Local, defaultRoute]);

    private static readonly RouteSnapshot Local = new("10.0.0.0/16", null, "local", null, null, null, "active");

    private static RouteSnapshot ToNat(string nat) => new("0.0.0.0/0", null, null, nat, null, null, "active");

    private static VpcEndpointSnapshot Endpoint(string service) =>
        new($"vpce-{service}", Vpc, $"com.amazonaws.us-east-1.{service}", service == "s3" ? "Gateway" : "Interface", "available", [], []);

    private static readonly Dictionary<string, (string? Zone, string State)> Nats = new() { ["nat-a"] = ("us-east-1a", "available") };

    [Fact]
    public void RouteOf_SubnetWithoutExplicitAssociation_UsesTheVpcMainTable()
    {
        var tables = new[] { Table("rtb-main", true, [], ToNat("nat-a")), Table("rtb-other", false, ["subnet-x"], null) };

        var route = NetworkPathAnalyzer.RouteOf(Subnet("subnet-b", "us-east-1b"), tables);

        Assert.Equal("rtb-main", route.RouteTableId);
        Assert.True(route.RouteTableIsMain);
        Assert.Equal(NetworkPathAnalyzer.RouteNatGateway, route.Kind);
        Assert.Equal("nat-a", route.Target);
    }

    [Fact]
    public void Analyze_NatInAnotherAz_IsCrossAzWithTheNatNamed()
    {
        var tables = new[] { Table("rtb-main", true, [], ToNat("nat-a")) };
        var routes = new[] { Subnet("subnet-a", "us-east-1a"), Subnet("subnet-b", "us-east-1b") }.Select(s => NetworkPathAnalyzer.RouteOf(s, tables)).ToList();

        var verdict = NetworkPathAnalyzer.Analyze(routes, Nats, [], "us-east-1");

        Assert.Equal(NetworkPathKind.NatCrossAz, verdict.Path);
        Assert.Contains(verdict.Evidence, e => e.StartsWith("subnet-b", StringComparison.Ordinal) && e.Contains("nat-a in us-east-1a", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_PrivateSubnetsWithOnlyEcrEndpoints_IsNoPathNamingTheMissingEcsEndpoints()
    {
        var tables = new[] { Table("rtb-main", true, [], null) };
        var routes = new[] { NetworkPathAnalyzer.RouteOf(Subnet("subnet-a", "us-east-1a"), tables) };

        var verdict = NetworkPathAnalyzer.Analyze(routes, Nats, [Endpoint("ecr.api"), Endpoint("ecr.dkr")], "us-east-1");

        Assert.Equal(NetworkPathKind.NoPath, verdict.Path);
        Assert.Contains("ecs, ecs-agent, ecs-telemetry", verdict.Evidence[0], StringComparison.Ordinal);
        Assert.Equal(["ecs", "ecs-agent", "ecs-telemetry", "s3", "logs"], verdict.MissingEndpoints);
    }

    [Fact]
    public void Analyze_AllEcsEndpointsAndNoRoute_ReachesEcsThroughEndpoints()
    {
        var tables = new[] { Table("rtb-main", true, [], null) };
        var routes = new[] { NetworkPathAnalyzer.RouteOf(Subnet("subnet-a", "us-east-1a"), tables) };

        var verdict = NetworkPathAnalyzer.Analyze(routes, Nats, [Endpoint("ecs"), Endpoint("ecs-agent"), Endpoint("ecs-telemetry")], "us-east-1");

        Assert.Equal(NetworkPathKind.Endpoints, verdict.Path);
    }

    [Fact]
    public void Analyze_InternetGatewayWithoutPublicIps_IsNoPath_WithPublicIps_IsPublicIp()
    {
        var igw = new RouteSnapshot("0.0.0.0/0", null, "igw-1", null, null, null, "active");
        var tables = new[] { Table("rtb-public", true, [], igw) };

        var without = NetworkPathAnalyzer.Analyze([NetworkPathAnalyzer.RouteOf(Subnet("subnet-a", "us-east-1a"), tables)], Nats, [], "us-east-1");
        var with = NetworkPathAnalyzer.Analyze([NetworkPathAnalyzer.RouteOf(Subnet("subnet-a", "us-east-1a", publicIp: true), tables)], Nats, [], "us-east-1");

        Assert.Equal(NetworkPathKind.NoPath, without.Path);
        Assert.Equal(NetworkPathKind.PublicIp, with.Path);
    }

    [Fact]
    public void Analyze_OneSubnetWithoutPath_IsPartialNoPath()
    {
        var tables = new[] { Table("rtb-main", true, [], null), Table("rtb-nat", false, ["subnet-a"], ToNat("nat-a")) };
        var routes = new[] { Subnet("subnet-a", "us-east-1a"), Subnet("subnet-b", "us-east-1b") }.Select(s => NetworkPathAnalyzer.RouteOf(s, tables)).ToList();

        var verdict = NetworkPathAnalyzer.Analyze(routes, Nats, [], "us-east-1");

        Assert.Equal(NetworkPathKind.PartialNoPath, verdict.Path);
    }
}
