using System.Globalization;

namespace BatchInsights.Sandbox.Simulation;

internal sealed record SimVpc(string Name, string Id, string CidrBlock, string? InternetGatewayId, string MainRouteTableId);

internal sealed record SimSubnet(string Name, string Id, string Arn, string VpcId, string Zone, string CidrBlock, bool MapPublicIpOnLaunch, int AvailableIps);

/// <summary>One route: exactly one of the target ids is set (GatewayId holds igw-/vpce- and "local").</summary>
internal sealed record SimRoute(string? DestinationCidr, string? DestinationPrefixListId, string? GatewayId, string? NatGatewayId, string? InstanceId, string? NetworkInterfaceId);

internal sealed record SimRouteTable(string Id, string VpcId, bool Main, IReadOnlyList<string> SubnetIds, IReadOnlyList<SimRoute> Routes);

internal sealed record SimNatGateway(string Name, string Id, string VpcId, string SubnetId, string Zone, string AllocationId, string NetworkInterfaceId, string PrivateIp, string PublicIp);

internal sealed record SimEndpoint(string Id, string VpcId, string ServiceName, string Service, string Type, IReadOnlyList<string> SubnetIds, IReadOnlyList<string> RouteTableIds, IReadOnlyList<string> NetworkInterfaceIds);

/// <summary>How a subnet reaches the ECS endpoint (the sandbox's own judgement, used to keep jobs RUNNABLE).</summary>
internal enum EcsPath
{
    None,
    NatGateway,
    NatInstance,
    PublicIp,
    Endpoints,
}

/// <summary>
/// The account's VPC layout built from the scenario's "vpcs": AWS-looking ids derived from names and the seed,
/// one route table per distinct default route of a VPC (explicitly associated) plus the VPC's main table.
/// Immutable after construction.
/// </summary>
internal sealed class NetworkLayout
{
    /// <summary>The interface endpoints an EC2 (ECS) compute environment needs without NAT or public IPs.</summary>
    public static readonly IReadOnlyList<string> EcsEndpointServices = ["ecs", "ecs-agent", "ecs-telemetry"];

    public NetworkLayout(Scenario scenario, int seed)
    {
        var region = scenario.Region;
        string Id(string prefix, string name, int length = 17) =>
            $"{prefix}-0{Hash.Of((ulong)seed, (ulong)StableHash(prefix + "/" + name)):x16}"[..(prefix.Length + 1 + length)];

        for (var v = 0; v < scenario.Vpcs.Count; v++)
        {
            var spec = scenario.Vpcs[v];
            var vpcId = Id("vpc", spec.Name);
            var octet = CidrSecondOctet(spec.CidrBlock) ?? v;
            var vpc = new SimVpc(spec.Name, vpcId, spec.CidrBlock, spec.InternetGateway ? Id("igw", spec.Name) : null, Id("rtb", spec.Name + "/main"));
            Vpcs.Add(vpc);
            var subnetIds = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < spec.Subnets.Count; i++)
            {
                var sn = spec.Subnets[i];
                var id = Id("subnet", sn.Name);
                subnetIds[sn.Name] = id;
                var subnet = new SimSubnet(sn.Name, id, $"arn:aws:ec2:{region}:{scenario.AccountId}:subnet/{id}", vpcId, sn.Zone,
                    string.Create(CultureInfo.InvariantCulture, $"10.{octet}.{i * 16}.0/20"), sn.MapPublicIpOnLaunch, 4091 - (int)(Hash.Of((ulong)seed, (ulong)StableHash(id)) % 400));
                Subnets.Add(subnet);
                SubnetsByName[sn.Name] = subnet;
                SubnetsById[id] = subnet;
            }

            var nats = new Dictionary<string, SimNatGateway>(StringComparer.Ordinal);
            for (var i = 0; i < spec.NatGateways.Count; i++)
            {
                var n = spec.NatGateways[i];
                var home = SubnetsByName[n.Subnet];
                var natId = Id("nat", n.Name);
                var nat = new SimNatGateway(n.Name, natId, vpcId, home.Id, home.Zone, Id("eipalloc", n.Name), Id("eni", "nat/" + n.Name),
                    string.Create(CultureInfo.InvariantCulture, $"10.{octet}.{(spec.Subnets.ToList().FindIndex(x => x.Name == n.Subnet) * 16) + 1}.{10 + i}"),
                    string.Create(CultureInfo.InvariantCulture, $"54.{160 + (v % 40)}.{(Hash.Of((ulong)seed, (ulong)i) % 250) + 1}.{(Hash.Of((ulong)seed, (ulong)i, 2) % 250) + 1}"));
                nats[n.Name] = nat;
                NatGateways.Add(nat);
            }

            // Route tables: the main one, and one per distinct explicit default route (named after it).
            var tables = new List<(string Id, bool Main, string Route, List<string> Subnets)>
            {
                (vpc.MainRouteTableId, true, spec.MainRoute, []),
            };
            foreach (var sn in spec.Subnets)
            {
                if (sn.DefaultRoute is not { } route) continue;
                var existing = tables.FindIndex(t => !t.Main && t.Route == route);
                if (existing < 0)
                {
                    tables.Add((Id("rtb", spec.Name + "/" + route), false, route, []));
                    existing = tables.Count - 1;
                }

                tables[existing].Subnets.Add(subnetIds[sn.Name]);
            }

            var gatewayEndpoints = new List<(string Id, string PrefixList)>();
            foreach (var e in spec.Endpoints)
            {
                var endpointId = Id("vpce", spec.Name + "/" + e.Service);
                var serviceName = $"com.amazonaws.{region}.{e.Service}";
                var eniIds = e.Subnets.Select(sn => Id("eni", endpointId + "/" + sn)).ToList();
                var routeTables = e.Type == "Gateway" ? tables.Select(t => t.Id).ToList() : [];
                Endpoints.Add(new SimEndpoint(endpointId, vpcId, serviceName, e.Service, e.Type, e.Subnets.Select(sn => subnetIds[sn]).ToList(), routeTables, eniIds));
                if (e.Type == "Gateway") gatewayEndpoints.Add((endpointId, Id("pl", region + "/" + e.Service, 8)));
            }

            foreach (var t in tables)
            {
                var routes = new List<SimRoute> { new(spec.CidrBlock, null, "local", null, null, null) };
                var target = t.Route;
                if (target == "igw") routes.Add(new SimRoute("0.0.0.0/0", null, vpc.InternetGatewayId, null, null, null));
                else if (target.StartsWith("nat:", StringComparison.Ordinal)) routes.Add(new SimRoute("0.0.0.0/0", null, null, nats[target[4..]].Id, null, null));
                else if (target.StartsWith("instance:", StringComparison.Ordinal))
                {
                    var name = target[9..];
                    routes.Add(new SimRoute("0.0.0.0/0", null, null, null, $"i-0{Hash.Of((ulong)seed, (ulong)StableHash("natinstance/" + name)):x16}", Id("eni", "natinstance/" + name)));
                }

                routes.AddRange(gatewayEndpoints.Select(g => new SimRoute(null, g.PrefixList, g.Id, null, null, null)));
                RouteTables.Add(new SimRouteTable(t.Id, vpcId, t.Main, t.Subnets, routes));
            }
        }
    }

    public List<SimVpc> Vpcs { get; } = [];

    public List<SimSubnet> Subnets { get; } = [];

    public List<SimRouteTable> RouteTables { get; } = [];

    public List<SimNatGateway> NatGateways { get; } = [];

    public List<SimEndpoint> Endpoints { get; } = [];

    public Dictionary<string, SimSubnet> SubnetsByName { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, SimSubnet> SubnetsById { get; } = new(StringComparer.Ordinal);

    /// <summary>The route table a subnet uses: its explicit association, else its VPC's main table.</summary>
    public SimRouteTable RouteTableOf(SimSubnet subnet) =>
        RouteTables.FirstOrDefault(t => t.SubnetIds.Contains(subnet.Id))
        ?? RouteTables.First(t => t.Main && t.VpcId == subnet.VpcId);

    public SimRoute? DefaultRouteOf(SimSubnet subnet) => RouteTableOf(subnet).Routes.FirstOrDefault(r => r.DestinationCidr == "0.0.0.0/0");

    public bool HasEndpoint(string vpcId, string service) => Endpoints.Any(e => e.VpcId == vpcId && e.Service == service);

    public EcsPath PathOf(SimSubnet subnet)
    {
        var route = DefaultRouteOf(subnet);
        if (route?.NatGatewayId is not null) return EcsPath.NatGateway;
        if (route?.InstanceId is not null) return EcsPath.NatInstance;
        if (route?.GatewayId is { } gw && gw.StartsWith("igw-", StringComparison.Ordinal) && subnet.MapPublicIpOnLaunch) return EcsPath.PublicIp;
        return EcsEndpointServices.All(s => Endpoints.Any(e => e.VpcId == subnet.VpcId && e.Service == s && e.Type == "Interface" && e.SubnetIds.Count > 0))
            ? EcsPath.Endpoints
            : EcsPath.None;
    }

    /// <summary>Subnets the scenario names for a CE (null when it names none).</summary>
    public IReadOnlyList<SimSubnet>? SubnetsOf(ComputeEnvironmentSpec spec) => spec.Subnets?.Select(n => SubnetsByName[n]).ToList();

    private static int? CidrSecondOctet(string cidr)
    {
        var parts = cidr.Split('.', '/');
        return parts.Length == 5 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var o) && o is >= 0 and <= 255 ? o : null;
    }

    // string.GetHashCode is randomised per process; ids must not change between runs.
    private static uint StableHash(string text)
    {
        var h = 2166136261u;
        foreach (var c in text)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }
}
