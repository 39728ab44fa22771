namespace BatchInsights.Sandbox.Simulation;

/// <summary>
/// One VPC of the simulated account (scenario "vpcs"): its subnets with their default route, NAT gateways and VPC
/// endpoints. Resources are named in the file; the sandbox derives AWS-looking ids from the names and the seed.
/// </summary>
public sealed record VpcSpec
{
    public string Name { get; init; } = "";
    public string CidrBlock { get; init; } = "10.0.0.0/16";
    /// <summary>Whether the VPC has an internet gateway attached (needed by "igw" routes and NAT gateways).</summary>
    public bool InternetGateway { get; init; } = true;
    /// <summary>The default route (0.0.0.0/0) of the VPC's main route table, used by subnets without their own.</summary>
    public string MainRoute { get; init; } = "none";
    public IReadOnlyList<SubnetSpec> Subnets { get; init; } = [];
    public IReadOnlyList<NatGatewaySpec> NatGateways { get; init; } = [];
    public IReadOnlyList<VpcEndpointSpec> Endpoints { get; init; } = [];
}

public sealed record SubnetSpec
{
    public string Name { get; init; } = "";
    public string Zone { get; init; } = "";
    /// <summary>
    /// The subnet's own route table's 0.0.0.0/0 target: "nat:NAME" (NAT gateway), "instance:NAME" (NAT instance),
    /// "igw", or "none"; leave out to use the VPC's main route table.
    /// </summary>
    public string? DefaultRoute { get; init; }
    /// <summary>Instances launched here get a public IPv4 address (MapPublicIpOnLaunch).</summary>
    public bool MapPublicIpOnLaunch { get; init; }
}

public sealed record NatGatewaySpec
{
    public string Name { get; init; } = "";
    /// <summary>The (public) subnet the NAT gateway lives in; its AZ is the subnet's.</summary>
    public string Subnet { get; init; } = "";
}

public sealed record VpcEndpointSpec
{
    /// <summary>The service suffix after com.amazonaws.REGION.: s3, ecs, ecs-agent, ecs-telemetry, ecr.api, ecr.dkr, logs, …</summary>
    public string Service { get; init; } = "";
    /// <summary>Gateway (s3, dynamodb) or Interface.</summary>
    public string Type { get; init; } = "Interface";
    /// <summary>Interface endpoints: the subnets (one per AZ) holding its network interfaces.</summary>
    public IReadOnlyList<string> Subnets { get; init; } = [];
}

internal static class NetworkScenarioValidator
{
    private static readonly string[] GatewayServices = ["s3", "dynamodb"];

    public static IEnumerable<(string Field, string Problem)> Validate(Scenario s)
    {
        var subnetNames = new HashSet<string>(StringComparer.Ordinal);
        var vpcNames = new HashSet<string>(StringComparer.Ordinal);
        var zones = s.AvailabilityZones;
        for (var v = 0; v < s.Vpcs.Count; v++)
        {
            var vpc = s.Vpcs[v];
            var p = $"$.vpcs[{v}]";
            if (string.IsNullOrWhiteSpace(vpc.Name)) yield return ($"{p}.name", "must not be empty.");
            else if (!vpcNames.Add(vpc.Name)) yield return ($"{p}.name", $"'{vpc.Name}' is defined twice.");
            var natNames = vpc.NatGateways.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
            var ownSubnets = vpc.Subnets.ToDictionary(x => x.Name, StringComparer.Ordinal);
            foreach (var problem in RouteProblems(vpc.MainRoute, vpc, natNames)) yield return ($"{p}.mainRoute", problem);
            for (var i = 0; i < vpc.Subnets.Count; i++)
            {
                var sn = vpc.Subnets[i];
                var sp = $"{p}.subnets[{i}]";
                if (string.IsNullOrWhiteSpace(sn.Name)) yield return ($"{sp}.name", "must not be empty.");
                else if (!subnetNames.Add(sn.Name)) yield return ($"{sp}.name", $"subnet '{sn.Name}' is defined twice (names are account-wide).");
                if (sn.Zone.Length != s.Region.Length + 1 || !sn.Zone.StartsWith(s.Region, StringComparison.Ordinal) || !char.IsAsciiLetterLower(sn.Zone[^1])
                    || (zones is not null && !zones.Contains(sn.Zone)))
                    yield return ($"{sp}.zone", $"'{sn.Zone}' is not an Availability Zone of {s.Region} (e.g. {s.Region}a).");
                if (sn.DefaultRoute is { } route)
                {
                    foreach (var problem in RouteProblems(route, vpc, natNames)) yield return ($"{sp}.defaultRoute", problem);
                }
            }

            for (var i = 0; i < vpc.NatGateways.Count; i++)
            {
                var nat = vpc.NatGateways[i];
                var np = $"{p}.natGateways[{i}]";
                if (string.IsNullOrWhiteSpace(nat.Name)) yield return ($"{np}.name", "must not be empty.");
                if (!ownSubnets.TryGetValue(nat.Subnet, out var home)) yield return ($"{np}.subnet", $"unknown subnet '{nat.Subnet}' of VPC '{vpc.Name}'.");
                else if (EffectiveRoute(home, vpc) != "igw") yield return ($"{np}.subnet", $"a public NAT gateway needs a public subnet: '{nat.Subnet}' must route 0.0.0.0/0 to \"igw\".");
            }

            for (var i = 0; i < vpc.Endpoints.Count; i++)
            {
                var e = vpc.Endpoints[i];
                var ep = $"{p}.endpoints[{i}]";
                if (string.IsNullOrWhiteSpace(e.Service)) yield return ($"{ep}.service", "must not be empty (e.g. \"ecs\", \"s3\").");
                if (e.Type is not ("Gateway" or "Interface")) yield return ($"{ep}.type", "must be \"Gateway\" or \"Interface\".");
                else if (e.Type == "Gateway" && !GatewayServices.Contains(e.Service)) yield return ($"{ep}.type", $"'{e.Service}' has no gateway endpoint (only s3 and dynamodb).");
                else if (e.Type == "Gateway" && e.Subnets.Count > 0) yield return ($"{ep}.subnets", "a gateway endpoint takes no subnets (it is a route-table entry).");
                else if (e.Type == "Interface" && e.Subnets.Count == 0) yield return ($"{ep}.subnets", "an interface endpoint needs at least one subnet.");
                for (var j = 0; j < e.Subnets.Count; j++)
                {
                    if (!ownSubnets.ContainsKey(e.Subnets[j])) yield return ($"{ep}.subnets[{j}]", $"unknown subnet '{e.Subnets[j]}' of VPC '{vpc.Name}'.");
                }

                if (e.Subnets.Select(n => ownSubnets.GetValueOrDefault(n)?.Zone).Where(z => z is not null).GroupBy(z => z).Any(g => g.Count() > 1))
                    yield return ($"{ep}.subnets", "an interface endpoint takes at most one subnet per Availability Zone.");
            }
        }

        for (var i = 0; i < s.ComputeEnvironments.Count; i++)
        {
            var ce = s.ComputeEnvironments[i];
            if (ce.Subnets is not { } subnets) continue;
            var p = $"$.computeEnvironments[{i}].subnets";
            if (subnets.Count is 0 or > 16) yield return (p, "list 1 to 16 subnet names (or leave the field out).");
            var vpcOf = s.Vpcs.SelectMany(v => v.Subnets.Select(x => (x.Name, Vpc: v.Name))).ToLookup(x => x.Name, x => x.Vpc, StringComparer.Ordinal);
            for (var j = 0; j < subnets.Count; j++)
            {
                if (!vpcOf.Contains(subnets[j])) yield return ($"{p}[{j}]", $"unknown subnet '{subnets[j]}' (define it under \"vpcs\").");
            }

            if (subnets.Where(vpcOf.Contains).Select(n => vpcOf[n].First()).Distinct(StringComparer.Ordinal).Count() > 1)
                yield return (p, "all subnets of a compute environment must be in one VPC.");
        }
    }

    /// <summary>The default route a subnet really uses: its own, or its VPC's main table's.</summary>
    public static string EffectiveRoute(SubnetSpec subnet, VpcSpec vpc) => subnet.DefaultRoute ?? vpc.MainRoute;

    private static IEnumerable<string> RouteProblems(string route, VpcSpec vpc, HashSet<string> natNames)
    {
        if (route is "none") yield break;
        if (route is "igw")
        {
            if (!vpc.InternetGateway) yield return "routes to \"igw\" but the VPC has no internet gateway (set \"internetGateway\": true).";
            yield break;
        }

        if (route.StartsWith("nat:", StringComparison.Ordinal))
        {
            if (!natNames.Contains(route[4..])) yield return $"unknown NAT gateway '{route[4..]}' of VPC '{vpc.Name}'.";
            yield break;
        }

        if (route.StartsWith("instance:", StringComparison.Ordinal) && route.Length > 9) yield break;
        yield return $"'{route}' is not \"nat:NAME\", \"instance:NAME\", \"igw\" or \"none\".";
    }
}
