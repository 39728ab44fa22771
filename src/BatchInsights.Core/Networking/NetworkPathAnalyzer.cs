using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Networking;

/// <summary>How an EC2 compute environment's instances reach the ECS endpoint (values are stored).</summary>
public static class NetworkPathKind
{
    public const string NatSameAz = "NatSameAz";
    /// <summary>Through a NAT gateway in another AZ: inter-AZ transfer is charged on top of NAT processing.</summary>
    public const string NatCrossAz = "NatCrossAz";
    public const string NatInstance = "NatInstance";
    public const string Endpoints = "Endpoints";
    public const string PublicIp = "PublicIp";
    /// <summary>Some subnets have a path, some none: instances launched in those never join the cluster.</summary>
    public const string PartialNoPath = "PartialNoPath";
    /// <summary>No subnet reaches ECS: instances never register and jobs stay RUNNABLE.</summary>
    public const string NoPath = "NoPath";
    /// <summary>Route tables or subnets could not be read.</summary>
    public const string Unknown = "Unknown";
}

/// <summary>A subnet's route, reduced to what decides the path.</summary>
public sealed record SubnetRoute(SubnetSnapshot Subnet, string? RouteTableId, bool RouteTableIsMain, string Kind, string? Target);

/// <summary>The verdict for one CE: its path, one evidence line per subnet, the endpoints a NAT-free setup still lacks.</summary>
public sealed record NetworkVerdict(string Path, IReadOnlyList<string> Evidence, IReadOnlyList<string> MissingEndpoints);

/// <summary>
/// Pure rules: the route table a subnet uses (its explicit association, else the VPC's main table), where 0.0.0.0/0
/// goes, and whether the ECS interface endpoints exist. AWS facts guide §4.4: an EC2 CE in a private subnet needs
/// ecs, ecs-agent and ecs-telemetry endpoints (all three, or the traffic goes to the public endpoints), ecr.api +
/// ecr.dkr + the S3 gateway for images, logs for awslogs; Batch's troubleshooting names "no internet access" as
/// a cause of jobs stuck in RUNNABLE.
/// </summary>
public static class NetworkPathAnalyzer
{
    public const string RouteNatGateway = "NatGateway";
    public const string RouteNatInstance = "NatInstance";
    public const string RouteInternetGateway = "InternetGateway";
    public const string RouteNone = "None";
    public const string RouteOther = "Other";
    public const string RouteUnknown = "Unknown";

    /// <summary>Without any of these ECS's traffic goes to the public endpoints (needs NAT or a public IP).</summary>
    public static readonly IReadOnlyList<string> EcsServices = ["ecs", "ecs-agent", "ecs-telemetry"];

    /// <summary>What a NAT-free EC2 CE needs: ECS, ECR (+ S3 gateway for image layers), CloudWatch Logs.</summary>
    public static readonly IReadOnlyList<string> NatFreeServices = ["ecs", "ecs-agent", "ecs-telemetry", "ecr.api", "ecr.dkr", "s3", "logs"];

    /// <summary>"com.amazonaws.us-east-1.ecr.dkr" → "ecr.dkr".</summary>
    public static string ServiceSuffix(string serviceName, string region)
    {
        ArgumentNullException.ThrowIfNull(serviceName);
        var prefix = $"com.amazonaws.{region}.";
        return serviceName.StartsWith(prefix, StringComparison.Ordinal) ? serviceName[prefix.Length..] : serviceName;
    }

    /// <summary>The route of a subnet; null route tables mean they could not be read (Unknown).</summary>
    public static SubnetRoute RouteOf(SubnetSnapshot subnet, IReadOnlyList<RouteTableSnapshot>? routeTables)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        if (routeTables is null)
        {
            return new SubnetRoute(subnet, null, false, RouteUnknown, null);
        }

        var table = routeTables.FirstOrDefault(t => t.SubnetIds.Contains(subnet.SubnetId, StringComparer.Ordinal))
            ?? routeTables.FirstOrDefault(t => t.IsMain && t.VpcId == subnet.VpcId);
        if (table is null)
        {
            return new SubnetRoute(subnet, null, false, RouteUnknown, null);
        }

        // A blackhole route (its NAT gateway deleted) carries nothing.
        var route = table.Routes.FirstOrDefault(r => r.DestinationCidrBlock == "0.0.0.0/0" && r.State != "blackhole");
        var (kind, target) = route switch
        {
            null => (RouteNone, (string?)null),
            { NatGatewayId: { Length: > 0 } nat } => (RouteNatGateway, nat),
            { InstanceId: { Length: > 0 } instance } => (RouteNatInstance, instance),
            { GatewayId: { } gw } when gw.StartsWith("igw-", StringComparison.Ordinal) => (RouteInternetGateway, gw),
            _ => (RouteOther, route.GatewayId ?? route.NetworkInterfaceId),
        };
        return new SubnetRoute(subnet, table.RouteTableId, table.IsMain, kind, target);
    }

    /// <summary>
    /// The CE's verdict from its subnets' routes, the NAT gateways (id → AZ and state) and the VPC's endpoints
    /// (null when they could not be read). Endpoints win for ECS traffic when all three ECS endpoints exist
    /// (private DNS sends the calls there); otherwise the default route decides.
    /// </summary>
    public static NetworkVerdict Analyze(
        IReadOnlyList<SubnetRoute> subnets,
        IReadOnlyDictionary<string, (string? Zone, string State)> natGateways,
        IReadOnlyList<VpcEndpointSnapshot>? endpoints,
        string region)
    {
        ArgumentNullException.ThrowIfNull(subnets);
        ArgumentNullException.ThrowIfNull(natGateways);
        if (subnets.Count == 0)
        {
            return new NetworkVerdict(NetworkPathKind.Unknown, ["no subnet of the compute environment could be described"], []);
        }

        var available = (endpoints ?? [])
            .Where(e => e.State is "available" or "Available")
            .Select(e => ServiceSuffix(e.ServiceName, region))
            .ToHashSet(StringComparer.Ordinal);
        var missing = NatFreeServices.Where(s => !available.Contains(s)).ToList();
        var ecsByEndpoints = endpoints is not null && EcsServices.All(available.Contains);

        var paths = new List<string>();
        var evidence = new List<string>();
        foreach (var s in subnets)
        {
            var where = $"{s.Subnet.SubnetId} ({s.Subnet.AvailabilityZone}, route table {s.RouteTableId ?? "?"}{(s.RouteTableIsMain ? ", main" : "")})";
            string path;
            string why;
            if (ecsByEndpoints)
            {
                (path, why) = (NetworkPathKind.Endpoints, "ECS interface endpoints ecs, ecs-agent, ecs-telemetry in the VPC");
            }
            else
            {
                (path, why) = s.Kind switch
                {
                    RouteNatGateway when natGateways.TryGetValue(s.Target!, out var nat) && nat.State == "available" =>
                        nat.Zone is null || nat.Zone == s.Subnet.AvailabilityZone
                            ? (NetworkPathKind.NatSameAz, $"0.0.0.0/0 → {s.Target} in the same AZ")
                            : (NetworkPathKind.NatCrossAz, $"0.0.0.0/0 → {s.Target} in {nat.Zone}: cross-AZ transfer is charged"),
                    RouteNatGateway => (NetworkPathKind.NoPath, $"0.0.0.0/0 → {s.Target}, which is not an available NAT gateway"),
                    RouteNatInstance => (NetworkPathKind.NatInstance, $"0.0.0.0/0 → NAT instance {s.Target}"),
                    RouteInternetGateway when s.Subnet.MapPublicIpOnLaunch => (NetworkPathKind.PublicIp, $"0.0.0.0/0 → {s.Target}, instances get public IPs"),
                    RouteInternetGateway => (NetworkPathKind.NoPath, $"0.0.0.0/0 → {s.Target}, but instances get no public IP (MapPublicIpOnLaunch off)"),
                    RouteUnknown => (NetworkPathKind.Unknown, "route tables could not be read"),
                    RouteOther => (NetworkPathKind.Unknown, $"0.0.0.0/0 → {s.Target} (not a NAT or internet gateway)"),
                    _ => (NetworkPathKind.NoPath, endpoints is null
                        ? "no default route (endpoints could not be read)"
                        : $"no default route and missing ECS endpoints: {string.Join(", ", EcsServices.Where(x => !available.Contains(x)))}"),
                };
            }

            paths.Add(path);
            evidence.Add($"{where}: {why}");
        }

        string verdict;
        if (paths.All(p => p == NetworkPathKind.NoPath))
        {
            verdict = NetworkPathKind.NoPath;
        }
        else if (paths.Contains(NetworkPathKind.Unknown))
        {
            verdict = NetworkPathKind.Unknown;
        }
        else if (paths.Contains(NetworkPathKind.NoPath))
        {
            verdict = NetworkPathKind.PartialNoPath;
        }
        else
        {
            // The costliest path shown: cross-AZ NAT, then NAT, NAT instance, public IP, endpoints.
            verdict = new[] { NetworkPathKind.NatCrossAz, NetworkPathKind.NatSameAz, NetworkPathKind.NatInstance, NetworkPathKind.PublicIp, NetworkPathKind.Endpoints }
                .First(paths.Contains);
        }

        return new NetworkVerdict(verdict, evidence, missing);
    }
}
