using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>
/// A scripted EC2 account for unit tests: a Spot market (every price change AWS knows) answered with
/// DescribeSpotPriceHistory's rules. Anything the test did not script throws.
/// </summary>
internal sealed class FakeEc2Api(AwsTarget target) : IEc2Api
{
    public AwsTarget Target { get; } = target;

    public AwsCallStats Stats { get; } = new();

    /// <summary>Every price change of the market; null = the test scripted no Spot prices.</summary>
    public List<SpotPriceSnapshot>? Market { get; set; }

    /// <summary>null = the test scripted no instance types.</summary>
    public List<InstanceTypeSnapshot>? InstanceTypes { get; set; }

    /// <summary>The (type, AZ) rows DescribeInstanceTypeOfferings returns; null = the test scripted no offerings.</summary>
    public List<InstanceTypeOffering>? Offerings { get; set; }

    public List<SpotPriceQuery> Queries { get; } = [];

    /// <summary>Makes the n-th DescribeSpotPriceHistory call (1-based) throw.</summary>
    public (int Call, Exception Error)? FailOn { get; set; }

    public Task<IReadOnlyList<SpotPriceSnapshot>> DescribeSpotPriceHistoryAsync(SpotPriceQuery query, CancellationToken cancellationToken)
    {
        Stats.CountCall();
        Queries.Add(query);
        if (FailOn is { } fail && fail.Call == Queries.Count)
        {
            throw fail.Error;
        }

        var market = Market ?? throw new InvalidOperationException("FakeEc2Api: DescribeSpotPriceHistory called but the test scripted no Market.");
        var start = query.StartTime.ToUnixTimeMilliseconds();
        var end = query.EndTime?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        var pools = market
            .Where(p => query.InstanceTypes.Contains(p.InstanceType) && query.ProductDescriptions.Contains(p.ProductDescription))
            .Where(p => query.AvailabilityZone is null || p.AvailabilityZone == query.AvailabilityZone)
            .GroupBy(p => (p.AvailabilityZone, p.InstanceType, p.ProductDescription));
        var result = new List<SpotPriceSnapshot>();
        foreach (var pool in pools)
        {
            // As AWS: the changes inside the window, plus the last one before it (the price in effect at the start).
            result.AddRange(pool.Where(p => p.TimestampMs >= start && p.TimestampMs <= end));
            if (pool.Where(p => p.TimestampMs < start).MaxBy(p => p.TimestampMs) is { } inEffect)
            {
                result.Add(inEffect);
            }
        }

        return Task.FromResult<IReadOnlyList<SpotPriceSnapshot>>(result.OrderByDescending(p => p.TimestampMs).ToList());
    }

    public Task<IReadOnlyList<InstanceTypeSnapshot>> DescribeInstanceTypesAsync(CancellationToken cancellationToken)
    {
        Stats.CountCall();
        return Task.FromResult<IReadOnlyList<InstanceTypeSnapshot>>(
            InstanceTypes ?? throw new InvalidOperationException("FakeEc2Api: DescribeInstanceTypes called but the test scripted no InstanceTypes."));
    }

    public Task<IReadOnlyList<InstanceTypeOffering>> DescribeInstanceTypeOfferingsAsync(CancellationToken cancellationToken)
    {
        Stats.CountCall();
        return Task.FromResult<IReadOnlyList<InstanceTypeOffering>>(
            Offerings ?? throw new InvalidOperationException("FakeEc2Api: DescribeInstanceTypeOfferings called but the test scripted no Offerings."));
    }

    public Task<IReadOnlyList<Ec2InstanceSnapshot>> DescribeInstancesAsync(IReadOnlyList<Ec2Filter> filters, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("FakeEc2Api: DescribeInstances called but this fake scripts only Spot prices and instance types.");
    public Task<IReadOnlyList<SubnetSnapshot>> DescribeSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("FakeEc2Api: DescribeSubnets is not scripted.");

    public Task<IReadOnlyList<RouteTableSnapshot>> DescribeRouteTablesAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("FakeEc2Api: DescribeRouteTables is not scripted.");

    public Task<IReadOnlyList<NatGatewaySnapshot>> DescribeNatGatewaysAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("FakeEc2Api: DescribeNatGateways is not scripted.");

    public Task<IReadOnlyList<VpcEndpointSnapshot>> DescribeVpcEndpointsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("FakeEc2Api: DescribeVpcEndpoints is not scripted.");
}
