namespace BatchInsights.Core.Networking;

/// <summary>
/// NAT gateway and VPC endpoint list prices, us-east-1 (USD). Sources: infracost's golden files
/// (internal/providers/terraform/aws/testdata/nat_gateway_test, vpc_endpoint_test), https://aws.amazon.com/privatelink/pricing/,
/// collected in the project's AWS facts guide §4.4 (2026-11). Other regions differ by a few percent.
/// </summary>
public static class NetworkPrices
{
    /// <summary>Hours in the month AWS bills by (8,760 / 12).</summary>
    public const decimal HoursPerMonth = 730m;

    /// <summary>NAT gateway, per hour.</summary>
    public const decimal NatGatewayHourlyUsd = 0.045m;

    /// <summary>NAT gateway data processing, per GB, both directions, on top of normal data transfer.</summary>
    public const decimal NatGatewayPerGbUsd = 0.045m;

    /// <summary>Traffic to a NAT gateway in another AZ: inter-AZ transfer, per GB each way.</summary>
    public const decimal CrossAzPerGbUsd = 0.01m;

    /// <summary>Interface endpoint, per hour per AZ.</summary>
    public const decimal InterfaceEndpointHourlyUsdPerAz = 0.01m;

    /// <summary>Interface endpoint data processing, per GB (first PB).</summary>
    public const decimal InterfaceEndpointPerGbUsd = 0.01m;

    /// <summary>Gateway endpoints (S3, DynamoDB) cost nothing.</summary>
    public const decimal GatewayEndpointUsd = 0m;

    public const decimal BytesPerGb = 1_000_000_000m;

    /// <summary>A NAT gateway's month: the hours plus the data it processed.</summary>
    public static decimal NatMonthlyUsd(decimal processedGb) => (HoursPerMonth * NatGatewayHourlyUsd) + (processedGb * NatGatewayPerGbUsd);
}
