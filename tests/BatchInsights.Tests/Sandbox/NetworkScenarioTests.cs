using BatchInsights.Sandbox.Simulation;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The scenario's "vpcs" section: mistakes are named by line and field, like the rest of the file.</summary>
public sealed class NetworkScenarioTests
{
    private static string Scenario(string ceSubnets, string vpcs) => $$"""
        {
          "targetJobCount": 1000,
          "computeEnvironments": [
            { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"], "maxvCpus": 64, "subnets": {{ceSubnets}} }
          ],
          "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
          "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ],
          "vpcs": {{vpcs}}
        }
        """;

    private const string GoodVpc = """
        [ {
            "name": "v",
            "subnets": [
              { "name": "pub-a", "zone": "us-east-1a", "defaultRoute": "igw" },
              { "name": "priv-a", "zone": "us-east-1a", "defaultRoute": "nat:nat-a" }
            ],
            "natGateways": [ { "name": "nat-a", "subnet": "pub-a" } ]
          } ]
        """;

    [Fact]
    public void Parse_CeNamesUnknownSubnet_MessageNamesLineAndField()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Scenario("""["priv-a", "priv-z"]""", GoodVpc), "net.json"));

        Assert.Contains("line 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.computeEnvironments[0].subnets[1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown subnet 'priv-z'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NatGatewayInPrivateSubnet_IsRefusedNamingTheField()
    {
        var vpcs = GoodVpc.Replace("\"subnet\": \"pub-a\"", "\"subnet\": \"priv-a\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(Scenario("""["priv-a"]""", vpcs), "net.json"));

        Assert.Contains("$.vpcs[0].natGateways[0].subnet", ex.Message, StringComparison.Ordinal);
        Assert.Contains("public subnet", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidLayout_CeGetsTheSubnetIdsOfItsNamedSubnets()
    {
        var scenario = ScenarioLoader.Parse(Scenario("""["priv-a"]""", GoodVpc), "net.json");
        var layout = new NetworkLayout(scenario, scenario.Seed);

        var subnet = Assert.Single(layout.SubnetsOf(scenario.ComputeEnvironments[0])!);
        Assert.StartsWith("subnet-0", subnet.Id, StringComparison.Ordinal);
        Assert.Equal(24, subnet.Id.Length);
        Assert.Equal(EcsPath.NatGateway, layout.PathOf(subnet));
        Assert.Equal(layout.NatGateways[0].Id, layout.DefaultRouteOf(subnet)!.NatGatewayId);
    }
}
