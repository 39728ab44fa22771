namespace BatchInsights.Core.Costs;

/// <summary>Fargate Linux/x86 prices per vCPU-hour and per GB-hour of memory.</summary>
public sealed record FargateRates(decimal UsdPerVcpuHour, decimal UsdPerGbHour)
{
    // aws-facts.md has no Fargate prices: these are AWS's PUBLIC LIST PRICES for us-east-1, Linux/x86, from
    // https://aws.amazon.com/fargate/pricing/ (as of 2026). Fargate bills per second with a one-minute minimum.
    // Other regions differ by a few percent; the costs of Fargate jobs are flagged Estimated for that reason.

    /// <summary>Fargate On-Demand, us-east-1, Linux/x86: $0.04048 per vCPU-hour, $0.004445 per GB-hour.</summary>
    public static readonly FargateRates OnDemand = new(0.04048m, 0.004445m);

    /// <summary>
    /// Fargate Spot, us-east-1, Linux/x86: a market price (about 70 % off); this is the list page's figure when checked,
    /// $0.01246098 per vCPU-hour and $0.00136852 per GB-hour.
    /// </summary>
    public static readonly FargateRates Spot = new(0.01246098m, 0.00136852m);

    /// <summary>The largest Fargate task: 16 vCPU and 120 GiB (https://docs.aws.amazon.com/batch/latest/userguide/fargate.html); no GPUs.</summary>
    public const double MaxVcpus = 16;

    public const long MaxMemoryMib = 120 * 1024;
}
