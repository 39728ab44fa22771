namespace BatchInsights.Core.Recommendations;

/// <summary>
/// Everything the rules see, as plain records built by <see cref="RecommendationInputLoader"/> (or by hand in tests).
/// Times are epoch ms; money is decimal USD.
/// </summary>
public sealed record RecommendationInput(
    long NowMs,
    long WindowStartMs,
    IReadOnlyList<ComputeEnvironmentConfig> ComputeEnvironments,
    IReadOnlyList<QueueConfig> Queues,
    IReadOnlyList<ObservedJob> Jobs,
    IReadOnlyList<InstanceOffer> Offers,
    IReadOnlyList<SpotPriceSeries> SpotPrices,
    IReadOnlyList<NetworkFact> Network,
    IReadOnlyList<StuckJobFact> StuckJobs,
    IReadOnlyList<FailureFact> Failures,
    RecommendationSettings Settings,
    IReadOnlyList<DefinitionCostFact>? DefinitionCosts = null)
{
    /// <summary>Per VPC of the EC2 CEs: AZs, NAT gateways with measured bytes, NAT instances, endpoints, launches (network path rule).</summary>
    public IReadOnlyList<VpcFact> Vpcs { get; init; } = [];

    /// <summary>The observation window in hours (at least one hour, so rates never divide by zero).</summary>
    public double WindowHours => Math.Max(1.0, (NowMs - WindowStartMs) / 3_600_000.0);

    /// <summary>Multiplies a cost over the window into a 30-day month.</summary>
    public decimal MonthlyFactor => (decimal)(24.0 * 30.0 / WindowHours);

    public static RecommendationInput Empty(long nowMs, RecommendationSettings? settings = null) =>
        new(nowMs, nowMs - (long)TimeSpan.FromDays(14).TotalMilliseconds, [], [], [], [], [], [], [], [], settings ?? new RecommendationSettings());
}

/// <summary>Knobs users set in config (<c>Recommendations</c> section) that change advice.</summary>
public sealed record RecommendationSettings(
    int? SpotBudgetCapPercent = null,
    double InstanceBootMinutes = 3,
    double ScaleDownIdleMinutes = 10,
    int MinSpotTypes = 10,
    int MaxInstanceTypes = 20)
{
    /// <summary>The network path rule's assumptions (image size, traffic shares, NAT instance type).</summary>
    public NetworkAssumptions Network { get; init; } = new();
}

/// <summary>
/// What the network path rule assumes where nothing was measured. <paramref name="ImageSizeGb"/>: GB pulled per instance
/// launch (estimate when NAT bytes are not measured); <paramref name="S3ShareOfNatBytes"/>: the share of NAT bytes going to
/// S3 (ECR image layers are served from S3, aws-facts §4.4, plus job data); <paramref name="InterfaceServiceShareOfNatBytes"/>:
/// the share going to the interface-endpoint services (ECS, ECR API/registry, CloudWatch Logs); the rest is internet traffic.
/// </summary>
public sealed record NetworkAssumptions(
    double ImageSizeGb = 1.0,
    double S3ShareOfNatBytes = 0.5,
    double InterfaceServiceShareOfNatBytes = 0.2,
    string NatInstanceType = "t3.small");

/// <summary>
/// A compute environment as last harvested. <see cref="InstanceTypes"/> are as AWS lists them ("optimal", families or types).
/// <see cref="RunningVcpus"/>: vCPUs (× nodes) of the jobs RUNNING or STARTING on it at harvest time.
/// </summary>
public sealed record ComputeEnvironmentConfig(
    string Account,
    string Region,
    string Arn,
    string Name,
    string Type,
    string? ResourceType,
    string? State,
    string? Status,
    IReadOnlyList<string> InstanceTypes,
    string? AllocationStrategy,
    int? BidPercentage,
    int? MinvCpus,
    int? MaxvCpus,
    int? DesiredvCpus,
    IReadOnlyList<string> Subnets,
    string? StatusReason = null,
    double RunningVcpus = 0)
{
    /// <summary>
    /// The Availability Zones of <see cref="Subnets"/> (from the network harvest): the only AZs Batch launches this CE's
    /// instances in. Empty = not known (some subnet was not harvested), and then no AZ is ruled out.
    /// </summary>
    public IReadOnlyList<string> AvailabilityZones { get; init; } = [];

    /// <summary>Whether this CE can launch in <paramref name="zone"/>: one of its subnets' AZs, or any AZ while those are unknown.</summary>
    public bool LaunchesIn(string zone) => AvailabilityZones.Count == 0 || AvailabilityZones.Contains(zone, StringComparer.Ordinal);

    /// <summary>For advice texts: "the CE's AZs (us-east-1a, us-east-1b)", or the region's AZs while the CE's are unknown.</summary>
    public string ZonesPhrase => AvailabilityZones.Count == 0
        ? "the region's AZs (the CE's subnets were not harvested, so its own AZs are unknown)"
        : $"the CE's AZs ({string.Join(", ", AvailabilityZones)})";

    public bool IsSpot => string.Equals(ResourceType, "SPOT", StringComparison.OrdinalIgnoreCase);

    public bool IsFargate => ResourceType?.StartsWith("FARGATE", StringComparison.OrdinalIgnoreCase) == true;

    public bool IsManagedEc2 => string.Equals(Type, "MANAGED", StringComparison.OrdinalIgnoreCase) && !IsFargate;
}

/// <summary>A job queue with its CEs in order (names) and whether multi-node parallel jobs were seen on it.</summary>
public sealed record QueueConfig(
    string Account,
    string Region,
    string Name,
    string? State,
    int Priority,
    IReadOnlyList<string> ComputeEnvironmentOrder,
    bool HasMultiNodeJobs,
    string? StatusReason = null);

/// <summary>
/// One job run as the rules see it: requests per node, nodes, when it ran, and where (queue; CE when the attempt →
/// instance mapping knows it, else the queue's first CE). A compact struct: the recommender may see a million.
/// </summary>
public readonly record struct ObservedJob(
    string Account,
    string Region,
    string Queue,
    string ComputeEnvironment,
    string? JobDefinition,
    double Vcpus,
    long MemoryMib,
    int Gpus,
    int Nodes,
    long StartedAtMs,
    long StoppedAtMs)
{
    public double Hours => Math.Max(0, StoppedAtMs - StartedAtMs) / 3_600_000.0;
}

/// <summary>Spot price statistics of one pool (type in one AZ) over the window.</summary>
public sealed record SpotPoolStats(string AvailabilityZone, decimal MeanUsdPerHour, decimal MinUsdPerHour, decimal MaxUsdPerHour, decimal CurrentUsdPerHour);

/// <summary>A catalog type with its prices in one region. <see cref="OnDemandUsdPerHour"/> null = no price known.</summary>
public sealed record InstanceOffer(
    string Region,
    string InstanceType,
    string Family,
    int Vcpus,
    long MemoryMib,
    int Gpus,
    IReadOnlyList<string> Architectures,
    bool CurrentGeneration,
    bool Burstable,
    bool BareMetal,
    decimal? OnDemandUsdPerHour,
    IReadOnlyList<SpotPoolStats> Spot)
{
    /// <summary>Mean Spot price across known pools; null when no pool was harvested.</summary>
    public decimal? MeanSpotUsdPerHour => Spot.Count == 0 ? null : Spot.Average(s => s.MeanUsdPerHour);

    /// <summary>The accelerator model as DescribeInstanceTypes names it ("NVIDIA T4", "AMD Radeon Pro V520"); null when unknown.</summary>
    public string? GpuModel { get; init; }

    /// <summary>
    /// GPUs a Batch job can reserve on this type. Batch schedules NVIDIA GPUs only (its GPU AMI is ECS_AL2_NVIDIA, used for the
    /// p/g families: https://docs.aws.amazon.com/batch/latest/userguide/batch-gpu-ami.html; "AWS Batch supports instance types
    /// with NVIDIA GPUs": https://docs.aws.amazon.com/batch/latest/userguide/run-eks-gpu-workload.html), so an AMD type such as g4ad offers none: a GPU job sent there stays RUNNABLE. An unknown model is
    /// taken at its word rather than raising a false alarm.
    /// </summary>
    public int SchedulableGpus => AllGpusSchedulable ? Gpus : 0;

    /// <summary>The AZs of the region that offer this type (DescribeInstanceTypeOfferings); null while not read.</summary>
    public IReadOnlySet<string>? OfferedZones { get; init; }

    /// <summary>
    /// Set by <see cref="For"/>: none of the CE's AZs offers the type, so the CE can never launch it. Known from the AZ
    /// offerings, or, where those were not read, from Spot pools that exist only in other AZs (EC2 has Spot prices only
    /// where it offers the type; a type with no pool at all is merely not harvested).
    /// </summary>
    public bool NotOfferedInCeZones { get; init; }

    /// <summary>
    /// This offer as <paramref name="ce"/> can buy it: only the Spot pools in the CE's AZs (its instances never launch in
    /// the others, so their prices are no evidence for it), and whether its AZs offer the type at all. Unchanged while
    /// the CE's AZs are unknown.
    /// </summary>
    public InstanceOffer For(ComputeEnvironmentConfig ce)
    {
        ArgumentNullException.ThrowIfNull(ce);
        if (ce.AvailabilityZones.Count == 0)
        {
            return this;
        }

        var offered = OfferedZones is { } zones ? ce.AvailabilityZones.Any(zones.Contains) : (bool?)null;
        if (offered != false && Spot.All(p => ce.LaunchesIn(p.AvailabilityZone)))
        {
            return this;
        }

        var inZones = Spot.Where(p => ce.LaunchesIn(p.AvailabilityZone)).ToList();
        return this with { Spot = inZones, NotOfferedInCeZones = offered == false || (offered is null && inZones.Count == 0) };
    }

    /// <summary>No GPU, or GPUs Batch can schedule (see <see cref="SchedulableGpus"/>).</summary>
    public bool AllGpusSchedulable => Gpus == 0 || GpuModel is not { } model || model.StartsWith("NVIDIA", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One Spot price change: the price from <paramref name="TimestampMs"/> until the next point.</summary>
public readonly record struct SpotPricePoint(long TimestampMs, decimal UsdPerHour);

/// <summary>The price history of one pool, oldest first; the first point may predate the window (price in effect at its start).</summary>
public sealed record SpotPriceSeries(string Account, string Region, string AvailabilityZone, string InstanceType, IReadOnlyList<SpotPricePoint> Points);

/// <summary>A CE's network path to ECS (a NetworkPathKind value) with the endpoints a NAT-free setup would still need.</summary>
public sealed record NetworkFact(string Account, string Region, string ComputeEnvironment, string? VpcId, string Path, IReadOnlyList<string> MissingEndpoints);

/// <summary>A job waiting in RUNNABLE (not yet started) with its requests.</summary>
public sealed record StuckJobFact(string Account, string Region, string Queue, string JobId, string? JobDefinition, double Vcpus, long MemoryMib, int Gpus, long CreatedAtMs);

/// <summary>
/// One VPC that EC2 compute environments use: the CEs, the AZs their subnets are in, the NAT gateways their subnets route
/// to (with measured bytes), NAT instances they route to, the VPC's endpoints, and the CEs' instance launches per month.
/// </summary>
public sealed record VpcFact(
    string Account,
    string Region,
    string VpcId,
    IReadOnlyList<string> ComputeEnvironments,
    IReadOnlyList<string> AvailabilityZones,
    IReadOnlyList<NatGatewayFact> NatGateways,
    IReadOnlyList<string> NatInstances,
    IReadOnlyList<EndpointFact> Endpoints,
    double InstanceLaunchesPerMonth);

/// <summary>A NAT gateway and its processed bytes as GB per 30-day month; <paramref name="MonthlyGb"/> null = no CloudWatch data.</summary>
public sealed record NatGatewayFact(string NatGatewayId, string? AvailabilityZone, string State, decimal? MonthlyGb, int DaysWithData);

/// <summary>A VPC endpoint: service suffix ("ecs-agent", "s3"), Gateway or Interface, state, the AZs of an interface endpoint.</summary>
public sealed record EndpointFact(string Service, string Type, string State, IReadOnlyList<string> AvailabilityZones)
{
    public bool IsGateway => string.Equals(Type, "Gateway", StringComparison.OrdinalIgnoreCase);

    public bool IsAvailable => string.Equals(State, "available", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Failed attempts grouped by cause (spot-reclaim, oom-137, image-pull, exit-code, other) per queue and job definition,
/// with what those attempts cost (Core/Costs attribution; 0 where the cost roll-up has not priced them) and the largest
/// memory request among them (MiB).
/// </summary>
public sealed record FailureFact(string Account, string Region, string Queue, string Cause, int Count, decimal CostUsd = 0m, string? JobDefinition = null, long MaxMemoryMib = 0);

/// <summary>
/// What the attempts of one job definition cost over the window (Core/Costs attribution), how much of it was estimated,
/// and its share of its CEs' idle cost (each CE's idle split in proportion to the attributed cost of the definitions on it).
/// </summary>
public sealed record DefinitionCostFact(string Account, string Region, string JobDefinition, int Attempts, decimal CostUsd, decimal EstimatedUsd, decimal IdleShareUsd = 0m);
