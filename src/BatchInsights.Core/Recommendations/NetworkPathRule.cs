using System.Globalization;
using BatchInsights.Core.Networking;

namespace BatchInsights.Core.Recommendations;

/// <summary>One network option of a VPC and its monthly cost at the VPC's NAT traffic.</summary>
public sealed record NetworkOption(string Name, decimal MonthlyUsd);

/// <summary>
/// Network path per VPC (issue 4, rule 3). Prices are <see cref="NetworkPrices"/> (aws-facts §4.4). For each VPC the EC2
/// CEs use: the monthly cost of the current path (NAT gateways hourly + $/GB, cross-AZ transfer, NAT instances,
/// interface endpoints hourly per AZ) and of the alternatives, the §4.4 break-even volumes, and the recommended mix:
/// first the free S3 gateway endpoint, then the missing interface endpoints when their traffic passes break-even, and
/// removing the NAT gateways only when every endpoint a NAT-free CE needs is already present (so the advice can never
/// take away the only path to ECS). A CE with no path to ECS is flagged critical: it is why its queues' jobs stay RUNNABLE.
/// Network changes are made in the VPC, not with UpdateComputeEnvironment: the proposed change uses the field paths
/// <see cref="EndpointsField"/> and <see cref="NatGatewaysField"/>.
/// </summary>
public sealed class NetworkPathRule : IRecommendationRule
{
    public const string RuleId = "network-path";
    public const string EndpointsField = "vpc.endpoints";
    public const string NatGatewaysField = "vpc.natGateways";
    public const string None = "(none)";

    /// <summary>The interface endpoints of the §4.4 minimal NAT-free set (S3 is the free gateway endpoint).</summary>
    public static readonly IReadOnlyList<string> InterfaceServices = NetworkPathAnalyzer.NatFreeServices.Where(s => s != "s3").ToList();

    private const decimal NatMonthlyFixed = NetworkPrices.HoursPerMonth * NetworkPrices.NatGatewayHourlyUsd;
    private const decimal EndpointMonthlyPerAz = NetworkPrices.HoursPerMonth * NetworkPrices.InterfaceEndpointHourlyUsdPerAz;
    private const decimal MovedPerGb = NetworkPrices.NatGatewayPerGbUsd - NetworkPrices.InterfaceEndpointPerGbUsd;

    public string Id => RuleId;

    /// <summary>
    /// aws-facts §4.4: the NAT traffic to AWS services above which <paramref name="interfaceEndpoints"/> interface endpoints
    /// in <paramref name="zones"/> AZs cost less than <paramref name="natGateways"/> NAT gateways, NAT removed entirely
    /// (3 AZs, 3 NATs, 6 endpoints: (131.40 − 98.55) / 0.035 ≈ 940 GB/month).
    /// </summary>
    public static decimal FullReplacementBreakEvenGb(int zones, int natGateways, int interfaceEndpoints) =>
        Math.Max(0m, ((interfaceEndpoints * zones * EndpointMonthlyPerAz) - (natGateways * NatMonthlyFixed)) / MovedPerGb);

    /// <summary>aws-facts §4.4: one interface endpoint in <paramref name="zones"/> AZs pays off above this much of its traffic (3 AZs: $21.90 / 0.035 ≈ 626 GB/month).</summary>
    public static decimal PerEndpointBreakEvenGb(int zones) => zones * EndpointMonthlyPerAz / MovedPerGb;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var fact in input.Network.Where(n => n.Path is NetworkPathKind.NoPath or NetworkPathKind.PartialNoPath)
                     .OrderBy(n => n.ComputeEnvironment, StringComparer.Ordinal))
        {
            yield return NoPath(input, fact);
        }

        foreach (var vpc in input.Vpcs)
        {
            if (Vpc(input, vpc) is { } recommendation)
            {
                yield return recommendation;
            }
        }
    }

    /// <summary>The model of one VPC: what exists, the NAT traffic (measured or estimated) and the cost of each option.</summary>
    private sealed class VpcModel
    {
        public required VpcFact Fact { get; init; }
        public required int Zones { get; init; }
        public required List<NatGatewayFact> Nats { get; init; }
        public required decimal NatInstanceMonthly { get; init; }
        public required bool Measured { get; init; }
        public required decimal Gb { get; init; }
        public required bool S3Present { get; init; }
        public required List<string> PresentInterface { get; init; }
        public required List<string> MissingInterface { get; init; }
        public required decimal PresentInterfaceFixed { get; init; }
        public required double S3Share { get; init; }
        public required double InterfaceShare { get; init; }
        public required double CrossAzShare { get; init; }

        public bool HasNat => Nats.Count > 0 || Fact.NatInstances.Count > 0;

        /// <summary>
        /// Monthly cost at <paramref name="gb"/> GB of today's NAT traffic with the S3 gateway (<paramref name="s3"/>), the
        /// missing interface endpoints (<paramref name="interfaceEndpoints"/>) and the NATs kept or removed.
        /// </summary>
        public decimal Cost(decimal gb, bool s3, bool interfaceEndpoints, bool keepNat)
        {
            // Shares of today's NAT bytes: S3 only if it still goes through NAT; interface services only those lacking an endpoint.
            var s3Moved = s3 && !S3Present ? (decimal)S3Share : 0m;
            var ifaceMoved = interfaceEndpoints || !keepNat ? (decimal)InterfaceShare : 0m;
            var fixedCost = PresentInterfaceFixed + (interfaceEndpoints || !keepNat ? MissingInterface.Count * Zones * EndpointMonthlyPerAz : 0m);
            var variable = ifaceMoved * gb * NetworkPrices.InterfaceEndpointPerGbUsd;
            if (keepNat)
            {
                var natGb = gb * Math.Max(0m, 1m - s3Moved - ifaceMoved);
                fixedCost += (Nats.Count * NatMonthlyFixed) + NatInstanceMonthly;
                variable += Nats.Count > 0 ? natGb * (NetworkPrices.NatGatewayPerGbUsd + ((decimal)CrossAzShare * NetworkPrices.CrossAzPerGbUsd)) : 0m;
            }

            return decimal.Round(fixedCost + variable, 2);
        }
    }

    private static VpcModel Model(RecommendationInput input, VpcFact vpc)
    {
        var a = input.Settings.Network;
        var nats = vpc.NatGateways.Where(n => string.Equals(n.State, "available", StringComparison.OrdinalIgnoreCase)).ToList();
        var zones = Math.Max(1, vpc.AvailabilityZones.Count);
        var measured = nats.Any(n => n.MonthlyGb is not null);
        var gb = measured
            ? nats.Sum(n => n.MonthlyGb ?? 0m)
            : decimal.Round((decimal)(vpc.InstanceLaunchesPerMonth * a.ImageSizeGb), 1);
        var available = vpc.Endpoints.Where(e => e.IsAvailable).ToList();
        var presentInterface = available.Where(e => !e.IsGateway && InterfaceServices.Contains(e.Service)).Select(e => e.Service)
            .Distinct(StringComparer.Ordinal).ToList();
        var natInstanceOd = input.Offers.FirstOrDefault(o => o.Region == vpc.Region && o.InstanceType == a.NatInstanceType)?.OnDemandUsdPerHour ?? 0m;
        var natAzs = nats.Select(n => n.AvailabilityZone).ToHashSet(StringComparer.Ordinal);
        return new VpcModel
        {
            Fact = vpc,
            Zones = zones,
            Nats = nats,
            NatInstanceMonthly = vpc.NatInstances.Count * natInstanceOd * NetworkPrices.HoursPerMonth,
            Measured = measured,
            Gb = gb,
            S3Present = available.Any(e => e.IsGateway && e.Service == "s3"),
            PresentInterface = presentInterface,
            MissingInterface = InterfaceServices.Where(s => !presentInterface.Contains(s)).ToList(),
            // Every interface endpoint in the VPC bills per AZ, needed by the CEs or not; an endpoint with no AZ listed counts the CEs' AZs.
            PresentInterfaceFixed = available.Where(e => !e.IsGateway).Sum(e => Math.Max(1, e.AvailabilityZones.Count == 0 ? zones : e.AvailabilityZones.Count) * EndpointMonthlyPerAz),
            S3Share = Math.Clamp(a.S3ShareOfNatBytes, 0, 1),
            InterfaceShare = Math.Clamp(a.InterfaceServiceShareOfNatBytes, 0, 1 - Math.Clamp(a.S3ShareOfNatBytes, 0, 1))
                * (InterfaceServices.Count - presentInterface.Count) / InterfaceServices.Count,
            // Subnets in an AZ without its own NAT gateway send their traffic across AZs (+$0.01/GB, aws-facts §4.4).
            CrossAzShare = nats.Count == 0 ? 0 : (double)vpc.AvailabilityZones.Count(z => !natAzs.Contains(z)) / zones,
        };
    }

    private static Recommendation? Vpc(RecommendationInput input, VpcFact vpc)
    {
        var paths = input.Network.Where(n => n.Account == vpc.Account && n.Region == vpc.Region && n.VpcId == vpc.VpcId).ToList();
        if (paths.Count > 0 && paths.All(n => n.Path is NetworkPathKind.NoPath or NetworkPathKind.Unknown))
        {
            // Nothing runs here yet (or the routes are unknown): the no-path flag carries the fix.
            return null;
        }

        var m = Model(input, vpc);
        var addS3 = !m.S3Present;
        var addInterface = m.Nats.Count > 0 && m.MissingInterface.Count > 0
            && (decimal)m.InterfaceShare * m.Gb >= m.MissingInterface.Count * PerEndpointBreakEvenGb(m.Zones);
        // Removing NAT is only advised when every endpoint a NAT-free CE needs already exists: ECS stays reachable.
        var removeNat = m.Nats.Count > 0 && m.MissingInterface.Count == 0 && m.S3Present
            && m.Cost(m.Gb, true, true, keepNat: false) < m.Cost(m.Gb, true, true, keepNat: true);
        if (!addS3 && !addInterface && !removeNat)
        {
            return null;
        }

        var current = m.Cost(m.Gb, false, false, true);
        var proposed = m.Cost(m.Gb, true, addInterface, !removeNat);
        var savings = current - proposed;
        var low = m.Cost(m.Gb * 0.5m, false, false, true) - m.Cost(m.Gb * 0.5m, true, addInterface, !removeNat);
        var high = m.Cost(m.Gb * 1.5m, false, false, true) - m.Cost(m.Gb * 1.5m, true, addInterface, !removeNat);

        var present = vpc.Endpoints.Where(e => e.IsAvailable).Select(e => e.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var added = new List<string>();
        if (addS3)
        {
            added.Add("s3 (Gateway)");
        }

        if (addInterface)
        {
            added.AddRange(m.MissingInterface.Select(s => $"{s} (Interface, {m.Zones} AZ)"));
        }

        var changes = new List<ProposedChange>();
        if (added.Count > 0)
        {
            changes.Add(new ProposedChange(EndpointsField, List(present), string.Join(", ", present.Concat(added))));
        }

        if (removeNat)
        {
            changes.Add(new ProposedChange(NatGatewaysField, List(m.Nats.Select(NatLabel)), None));
        }

        var volume = string.Create(CultureInfo.InvariantCulture, $"{m.Gb:#,##0} GB/month {(m.Measured ? "measured" : "estimated")}");
        var steps = new List<string>();
        if (addS3)
        {
            steps.Add("add the free S3 gateway endpoint (ECR image layers and S3 data stop paying NAT processing)");
        }

        if (addInterface)
        {
            steps.Add($"add the interface endpoints {string.Join(", ", m.MissingInterface)}: their share of the traffic passes the break-even of ≈{Gb(PerEndpointBreakEvenGb(m.Zones))} per endpoint in {m.Zones} AZ");
        }

        if (removeNat)
        {
            steps.Add("remove the NAT gateways: every endpoint the CEs need is present, so ECS stays reachable (only if the jobs need no internet access)");
        }

        var title = removeNat ? $"{vpc.VpcId}: remove the NAT gateways, the VPC endpoints already cover ECS"
            : addInterface && addS3 ? $"{vpc.VpcId}: add the S3 gateway and the ECS/ECR/logs interface endpoints"
            : addInterface ? $"{vpc.VpcId}: add the ECS/ECR/logs interface endpoints"
            : $"{vpc.VpcId}: add the free S3 gateway endpoint";

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"VPC {vpc.VpcId} serves {string.Join(", ", vpc.ComputeEnvironments)} in {m.Zones} AZ ({volume} through NAT). Today's path costs {NetworkQueries.Usd(current)}/month; {string.Join("; then ", steps)}: {NetworkQueries.Usd(proposed)}/month. This change is made in the VPC (endpoints, route tables), not on the compute environment.");

        var assumptions = new List<string>
        {
            "Prices: aws-facts §4.4 (us-east-1): NAT gateway $0.045/h + $0.045/GB, interface endpoint $0.01/h per AZ + $0.01/GB, S3 gateway endpoint free, cross-AZ $0.01/GB; 730 h per month.",
            string.Create(CultureInfo.InvariantCulture, $"Assumed {input.Settings.Network.S3ShareOfNatBytes:P0} of NAT bytes go to S3 (ECR image layers are served from S3, plus job data) and {input.Settings.Network.InterfaceServiceShareOfNatBytes:P0} to ECS, ECR and CloudWatch Logs; the rest is internet traffic. Set Recommendations:Network to change this."),
            "The S3 gateway endpoint needs a route in the route tables of the CEs' subnets; interface endpoints need private DNS and a security group allowing 443 from those subnets (aws-facts §4.4).",
        };
        if (!m.Measured)
        {
            assumptions.Add(string.Create(CultureInfo.InvariantCulture,
                $"No NAT bytes were measured (CloudWatch): traffic estimated as {vpc.InstanceLaunchesPerMonth:0.#} instance launches/month × {input.Settings.Network.ImageSizeGb:0.##} GB image pull each (Recommendations:Network:ImageSizeGb)."));
        }

        if (removeNat)
        {
            assumptions.Add("Removing NAT cuts internet access: pip/npm installs, public registries (Docker Hub, ECR Public pull-through first pulls) and external APIs stop working; also add .secretsmanager/.ssm/.batch/.sts endpoints if jobs use them.");
        }

        if (m.CrossAzShare > 0)
        {
            assumptions.Add(string.Create(CultureInfo.InvariantCulture, $"{m.CrossAzShare:P0} of the NAT traffic is assumed to cross AZs (subnets in AZs without their own NAT gateway)."));
        }

        var bucket = string.Join('|', string.Join(',', added), removeNat ? "nat-" : "nat", m.Measured ? "m" : "e", RecommendationFingerprint.SavingsBucket(savings));
        return new Recommendation(RuleId, new RecommendationTarget(vpc.Account, vpc.Region, RecommendationTargetKind.Vpc, vpc.VpcId),
            title, summary, changes, new SavingsEstimate(savings, Math.Min(low, high), Math.Max(low, high)),
            // Unmeasured volume, or whether the jobs need the internet, cannot be known from here: Low.
            m.Measured && !removeNat ? RecommendationConfidence.Medium : RecommendationConfidence.Low,
            // Endpoints only and no S3 gateway: ECR image layers (served from S3) cannot be pulled.
            addS3 && !m.HasNat ? RecommendationSeverity.Warning : RecommendationSeverity.Info,
            Evidence(m, addInterface, removeNat), assumptions, bucket);
    }

    private static List<EvidenceItem> Evidence(VpcModel m, bool addInterface, bool removeNat)
    {
        var options = Options(m);
        var fullBreakEven = FullReplacementBreakEvenGb(m.Zones, Math.Max(1, m.Nats.Count), InterfaceServices.Count);
        var perEndpoint = PerEndpointBreakEvenGb(m.Zones);
        var max = Math.Max(100m, Math.Max(m.Gb * 2m, Math.Max(fullBreakEven, perEndpoint * Math.Max(1, m.MissingInterface.Count)) * 1.5m));
        var step = RoundStep(max / 8m);
        var points = Enumerable.Range(0, 9).Select(i => (Gb: step * i, Label: Gb(step * i))).ToList();
        points.Add((m.Gb, $"{Gb(m.Gb)} ({(m.Measured ? "measured" : "estimated")})"));
        points = points.OrderBy(p => p.Gb).ThenBy(p => p.Label.Length).ToList();
        var chart = EvidenceItem.Chart(EvidenceKind.Series, "Monthly cost of each option vs NAT traffic (GB/month)",
            points.Select(p => p.Label).ToList(),
            options.Select(o => new EvidenceSeries($"{o.Name} ($/month)", points.Select(p => (double)o.Cost(p.Gb)).ToList())).ToList(),
            string.Create(CultureInfo.InvariantCulture,
                $"Today: {Gb(m.Gb)}/month ({(m.Measured ? "measured, CloudWatch AWS/NATGateway, last 30 days" : "estimated from image pulls × instance launches")}). Break-even (aws-facts §4.4): all AWS-service traffic through {InterfaceServices.Count} interface endpoints instead of {Math.Max(1, m.Nats.Count)} NAT gateway(s) in {m.Zones} AZ ≈ {Gb(fullBreakEven)}/month; one interface endpoint in {m.Zones} AZ ≈ {Gb(perEndpoint)}/month of its traffic."));

        var natRows = m.Nats.Select(n => (IReadOnlyList<string>)
        [
            n.NatGatewayId,
            n.AvailabilityZone ?? "?",
            n.MonthlyGb is { } gb ? Gb(gb) : "no data",
            n.DaysWithData.ToString(CultureInfo.InvariantCulture),
            NetworkQueries.Usd(NetworkPrices.NatMonthlyUsd(n.MonthlyGb ?? 0m)),
        ]).ToList();
        natRows.AddRange(m.Fact.NatInstances.Select(i => (IReadOnlyList<string>)[i + " (NAT instance)", "?", "not measured", "0", NetworkQueries.Usd(m.NatInstanceMonthly / m.Fact.NatInstances.Count)]));
        var nats = EvidenceItem.Table("NAT gateways the CEs' subnets route to", ["NAT", "AZ", "GB/month", "Days with data", "$/month"], natRows,
            m.Measured ? null : "No NAT bytes measured: the volume used above is estimated.");

        var endpointRows = InterfaceServices.Append("s3").Select(s =>
        {
            var e = m.Fact.Endpoints.FirstOrDefault(x => x.Service == s && x.IsAvailable);
            var status = e is null ? (s == "s3" || addInterface ? "missing → add" : "missing")
                : e.IsGateway ? "present (Gateway)" : $"present (Interface: {string.Join(", ", e.AvailabilityZones)})";
            var monthly = s == "s3" ? 0m : (e?.AvailabilityZones.Count is > 0 ? e.AvailabilityZones.Count : m.Zones) * EndpointMonthlyPerAz;
            return (IReadOnlyList<string>)[s, s == "s3" ? "Gateway" : "Interface", status, NetworkQueries.Usd(monthly)];
        }).ToList();
        endpointRows.AddRange(m.Fact.Endpoints.Where(e => e.IsAvailable && !InterfaceServices.Contains(e.Service) && e.Service != "s3")
            .Select(e => (IReadOnlyList<string>)[e.Service, e.Type, "present (not needed for ECS)", NetworkQueries.Usd(e.IsGateway ? 0m : Math.Max(1, e.AvailabilityZones.Count) * EndpointMonthlyPerAz)]));
        var endpoints = EvidenceItem.Table("VPC endpoints a NAT-free CE needs", ["Service", "Type", "Status", "$/month (hourly part)"], endpointRows);

        var optionRows = options.Select(o => (IReadOnlyList<string>)[o.Name, NetworkQueries.Usd(o.Cost(m.Gb)), NetworkQueries.Usd(o.Cost(m.Gb) - options[0].Cost(m.Gb))]).ToList();
        var table = EvidenceItem.Table("Options at today's volume", ["Option", "$/month", "vs today"], optionRows,
            m.Nats.Count > 0 || m.Fact.NatInstances.Count > 0 ? "\"Endpoints only\" drops internet access for the jobs." : null);
        return [chart, table, nats, endpoints];
    }

    private sealed record Option(string Name, Func<decimal, decimal> Cost);

    private static List<Option> Options(VpcModel m)
    {
        var options = new List<Option> { new("Today", gb => m.Cost(gb, false, false, true)) };
        if (!m.HasNat)
        {
            if (!m.S3Present)
            {
                options.Add(new("+ S3 gateway", gb => m.Cost(gb, true, false, true)));
            }

            return options;
        }

        if (!m.S3Present)
        {
            options.Add(new("+ S3 gateway", gb => m.Cost(gb, true, false, true)));
        }

        if (m.MissingInterface.Count > 0 && m.Nats.Count > 0)
        {
            options.Add(new("+ S3 gateway + interface endpoints, NAT kept", gb => m.Cost(gb, true, true, true)));
        }

        options.Add(new("Endpoints only (no NAT)", gb => m.Cost(gb, true, true, false)));
        return options;
    }

    /// <summary>A CE whose subnets (all, or some) cannot reach ECS: instances never register, its queues' jobs stay RUNNABLE.</summary>
    private static Recommendation NoPath(RecommendationInput input, NetworkFact fact)
    {
        var ce = input.ComputeEnvironments.FirstOrDefault(c => c.Account == fact.Account && c.Region == fact.Region && c.Name == fact.ComputeEnvironment);
        var vpc = input.Vpcs.FirstOrDefault(v => v.Account == fact.Account && v.Region == fact.Region && v.VpcId == fact.VpcId);
        var zones = vpc?.AvailabilityZones ?? [];
        var zoneCount = Math.Max(1, zones.Count);
        var queues = input.Queues.Where(q => q.Account == fact.Account && q.Region == fact.Region && q.ComputeEnvironmentOrder.Contains(fact.ComputeEnvironment))
            .Select(q => q.Name).Order(StringComparer.Ordinal).ToList();
        var stuckJobs = input.StuckJobs.Where(j => j.Account == fact.Account && j.Region == fact.Region && queues.Contains(j.Queue)).ToList();
        var stuck = stuckJobs.Count;
        var launches = vpc?.InstanceLaunchesPerMonth ?? 0;
        var gb = decimal.Round((decimal)(launches * input.Settings.Network.ImageSizeGb), 1);

        var present = vpc?.Endpoints.Where(e => e.IsAvailable).Select(e => e.Service).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() ?? [];
        var missing = fact.MissingEndpoints.Count > 0 ? fact.MissingEndpoints.ToList() : NetworkPathAnalyzer.NatFreeServices.Where(s => !present.Contains(s)).ToList();
        var missingInterface = missing.Where(s => s != "s3").ToList();
        var endpointCost = decimal.Round((missingInterface.Count * zoneCount * EndpointMonthlyPerAz) + (gb * NetworkPrices.InterfaceEndpointPerGbUsd), 2);
        var natCost = decimal.Round((zoneCount * NatMonthlyFixed) + (gb * NetworkPrices.NatGatewayPerGbUsd), 2);
        var zoneText = zones.Count > 0 ? string.Join(", ", zones) : "its AZs";
        var endpointChange = new ProposedChange(EndpointsField, List(present), string.Join(", ", present.Union(missing, StringComparer.Ordinal).Order(StringComparer.Ordinal)));
        var natChange = new ProposedChange(NatGatewaysField, None, $"one NAT gateway per AZ: {zoneText} (+ 0.0.0.0/0 routes from the CE's subnets)");
        var change = endpointCost <= natCost ? endpointChange : natChange;

        var partial = fact.Path == NetworkPathKind.PartialNoPath;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{(partial ? "Some subnets" : "No subnet")} of {fact.ComputeEnvironment} (VPC {fact.VpcId ?? "?"}) {(partial ? "cannot reach" : "reaches")} ECS: instances launched there never register, so jobs on {(queues.Count == 0 ? "its queues" : string.Join(", ", queues))} stay RUNNABLE ({stuck} RUNNABLE now). Fix it in the VPC, not on the CE: either the endpoint set {string.Join(", ", missing)} ({NetworkQueries.Usd(endpointCost)}/month), or a NAT gateway in each of {zoneText} ({NetworkQueries.Usd(natCost)}/month, needs a public subnet with an internet gateway).");
        var evidence = new List<EvidenceItem>
        {
            EvidenceItem.Table("Fix options", ["Option", "Change", "$/month"],
            [
                ["VPC endpoints", $"add {string.Join(", ", missing)}", NetworkQueries.Usd(endpointCost)],
                ["NAT gateways", $"one per AZ in {zoneText}", NetworkQueries.Usd(natCost)],
            ], string.Create(CultureInfo.InvariantCulture, $"At {Gb(gb)}/month estimated ({launches:0.#} launches × {input.Settings.Network.ImageSizeGb:0.##} GB). aws-facts §4.4: ECS needs ecs, ecs-agent and ecs-telemetry (all three), ECR needs ecr.api, ecr.dkr and the S3 gateway, awslogs needs logs.")),
            EvidenceItem.Table("Endpoints in the VPC", ["Service", "Status"],
                NetworkPathAnalyzer.NatFreeServices.Select(s => (IReadOnlyList<string>)[s, present.Contains(s) ? "present" : "missing"]).ToList()),
        };
        if (stuckJobs.Count > 0)
        {
            evidence.Add(StuckJobsRule.WaitingTable(input, stuckJobs));
        }

        return new Recommendation(RuleId,
            new RecommendationTarget(fact.Account, fact.Region, RecommendationTargetKind.ComputeEnvironment, fact.ComputeEnvironment, ce?.Arn),
            $"{fact.ComputeEnvironment}: {(partial ? "some subnets have" : "has")} no network path to ECS — jobs stay RUNNABLE",
            summary, [change], SavingsEstimate.None, RecommendationConfidence.High,
            partial ? RecommendationSeverity.Warning : RecommendationSeverity.Critical,
            evidence,
            [
                "The path verdict comes from the network harvest: each subnet's route table (0.0.0.0/0 target) and the VPC's endpoints (Networking/NetworkPathAnalyzer).",
                "Batch's troubleshooting guide names missing internet access as a cause of jobs stuck in RUNNABLE (aws-facts §4.4).",
                "Costs are list prices, us-east-1 (aws-facts §4.4); a CE with no path launches instances that pull no images, so the volume is an estimate.",
            ],
            string.Join('|', fact.Path, string.Join(',', missing)));
    }

    private static string NatLabel(NatGatewayFact n) => $"{n.NatGatewayId} ({n.AvailabilityZone ?? "?"})";

    private static string List(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? None : string.Join(", ", list);
    }

    private static string Gb(decimal gb) => gb.ToString("#,##0", CultureInfo.InvariantCulture) + " GB";

    /// <summary>A round chart step: 1, 2 or 5 × a power of ten.</summary>
    private static decimal RoundStep(decimal raw)
    {
        var magnitude = (decimal)Math.Pow(10, Math.Floor(Math.Log10((double)Math.Max(1m, raw))));
        foreach (var f in new[] { 1m, 2m, 5m, 10m })
        {
            if (f * magnitude >= raw)
            {
                return f * magnitude;
            }
        }

        return 10m * magnitude;
    }
}
