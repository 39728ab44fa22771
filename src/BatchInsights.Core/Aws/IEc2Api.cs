namespace BatchInsights.Core.Aws;

/// <summary>
/// The EC2 calls BatchInsights makes, shaped like the app needs them (AWSSDK.EC2 underneath). One instance
/// talks to one account + region; it respects the per-target EC2 rate budget and reports failures as
/// <see cref="AwsApiException"/>.
/// </summary>
public interface IEc2Api
{
    AwsTarget Target { get; }

    /// <summary>Counters since creation: HTTP calls sent (SDK retries included) and throttled responses seen.</summary>
    AwsCallStats Stats { get; }

    /// <summary>
    /// DescribeSpotPriceHistory over the whole window (follows NextToken). With a start time AWS also returns
    /// the last change before it, i.e. the price in effect at the window start (with that change's timestamp).
    /// </summary>
    Task<IReadOnlyList<SpotPriceSnapshot>> DescribeSpotPriceHistoryAsync(SpotPriceQuery query, CancellationToken cancellationToken);

    /// <summary>Every instance type offered in the region (follows NextToken).</summary>
    Task<IReadOnlyList<InstanceTypeSnapshot>> DescribeInstanceTypesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// DescribeInstanceTypeOfferings with LocationType=availability-zone (follows NextToken): which instance types EC2 offers in
    /// which AZ of the region. A CE whose subnets are all in AZs that do not offer a type can never launch it.
    /// </summary>
    Task<IReadOnlyList<InstanceTypeOffering>> DescribeInstanceTypeOfferingsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// DescribeInstances with EC2 filters (e.g. tag-key=AWSBatchServiceTag), every page. EC2 lists terminated instances
    /// only for about an hour after they terminated, so callers must poll more often than that to see every stop.
    /// </summary>
    Task<IReadOnlyList<Ec2InstanceSnapshot>> DescribeInstancesAsync(IReadOnlyList<Ec2Filter> filters, CancellationToken cancellationToken);
    /// <summary>DescribeSubnets of these subnet ids (follows NextToken); an unknown id fails the call as AWS does.</summary>
    Task<IReadOnlyList<SubnetSnapshot>> DescribeSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken);

    /// <summary>Every route table of these VPCs (filter vpc-id, follows NextToken), the main tables included.</summary>
    Task<IReadOnlyList<RouteTableSnapshot>> DescribeRouteTablesAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken);

    /// <summary>Every NAT gateway of these VPCs (filter vpc-id, follows NextToken), whatever its state.</summary>
    Task<IReadOnlyList<NatGatewaySnapshot>> DescribeNatGatewaysAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken);

    /// <summary>Every VPC endpoint of these VPCs (filter vpc-id, follows NextToken).</summary>
    Task<IReadOnlyList<VpcEndpointSnapshot>> DescribeVpcEndpointsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken);
}

/// <summary>One row of DescribeInstanceTypeOfferings by AZ: <paramref name="InstanceType"/> is offered in <paramref name="AvailabilityZone"/>.</summary>
public sealed record InstanceTypeOffering(string InstanceType, string AvailabilityZone);

/// <summary>A DescribeSpotPriceHistory window. Empty lists mean "all" (as in the API).</summary>
public sealed record SpotPriceQuery(
    IReadOnlyList<string> InstanceTypes,
    IReadOnlyList<string> ProductDescriptions,
    string? AvailabilityZone,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime);

/// <summary>One Spot price change: the price of a pool (AZ, type, product) from <see cref="TimestampMs"/> on.</summary>
public sealed record SpotPriceSnapshot(
    string AvailabilityZone,
    string InstanceType,
    string ProductDescription,
    decimal PriceUsdPerHour,
    long TimestampMs);

/// <summary>An instance type as DescribeInstanceTypes describes it (the parts the app uses).</summary>
public sealed record InstanceTypeSnapshot(
    string Name,
    string Family,
    string Size,
    bool CurrentGeneration,
    int Vcpus,
    long MemoryMib,
    int Gpus,
    string? GpuModel,
    long GpuMemoryMib,
    IReadOnlyList<string> Architectures,
    bool Burstable,
    bool BareMetal,
    bool SupportsSpot,
    bool SupportsOnDemand)
{
    /// <summary>"m5.large" → ("m5", "large"); a name without a dot is all family.</summary>
    public static (string Family, string Size) SplitName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? (name, "") : (name[..dot], name[(dot + 1)..]);
    }
}

/// <summary>Spot product descriptions (RIProductDescription) for Linux.</summary>
public static class SpotProducts
{
    public const string LinuxUnix = "Linux/UNIX";
    public const string LinuxUnixVpc = "Linux/UNIX (Amazon VPC)";

    public static readonly IReadOnlyList<string> Linux = [LinuxUnix, LinuxUnixVpc];
}

/// <summary>An EC2 filter: Name (e.g. "tag-key", "tag:Name", "instance-state-name") and the values any of which match.</summary>
public sealed record Ec2Filter(string Name, IReadOnlyList<string> Values);

/// <summary>An EC2 instance as DescribeInstances reports it (the parts the app uses).</summary>
/// <param name="Lifecycle">"spot" for Spot instances; null for On-Demand (EC2 leaves instanceLifecycle out).</param>
/// <param name="StateTransitionReason">"User initiated (2026-11-26 10:00:00 GMT)": the only place EC2 gives a stop time.</param>
public sealed record Ec2InstanceSnapshot(
    string InstanceId,
    string InstanceType,
    string? AvailabilityZone,
    string? Lifecycle,
    long? LaunchTimeMs,
    string State,
    string? StateReasonCode,
    string? StateReasonMessage,
    string? StateTransitionReason,
    IReadOnlyDictionary<string, string> Tags);
