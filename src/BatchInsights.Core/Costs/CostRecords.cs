namespace BatchInsights.Core.Costs;

/// <summary>Identifies one job attempt (Batch's attempt index; -1 for a job that ran with no attempt record yet).</summary>
public sealed record AttemptKey(string Account, string Region, string JobId, int AttemptIndex);

/// <summary>A price in USD per hour in effect from <paramref name="FromMs"/> until the next segment's start.</summary>
public sealed record PriceSegment(long FromMs, decimal UsdPerHour);

/// <summary>What an instance offers, for the share rule.</summary>
public sealed record Capacity(double Vcpus, long MemoryMib, int Gpus);

/// <summary>Where the costs of an instance (or a job that ran without a known instance) belong.</summary>
public static class CostLifecycle
{
    public const string Spot = "spot";
    public const string OnDemand = "on-demand";
    public const string Fargate = "fargate";
    public const string FargateSpot = "fargate-spot";
}

/// <summary>
/// An instance-interval to be costed: an EC2 instance from launch to termination (or to "now" while it runs), or an
/// instance rebuilt from the attempts that ran on it when EC2 never listed it (<paramref name="Estimated"/>).
/// <paramref name="Prices"/> must cover <paramref name="StartMs"/>: the first segment is the price in effect then.
/// </summary>
public sealed record CostInstance(
    string InstanceId,
    string InstanceType,
    string? AvailabilityZone,
    string Lifecycle,
    string? ComputeEnvironment,
    long StartMs,
    long EndMs,
    Capacity Capacity,
    IReadOnlyList<PriceSegment> Prices,
    bool Estimated);

/// <summary>A job attempt's reservation and run time on an instance.</summary>
public sealed record CostAttempt(AttemptKey Key, double Vcpus, long MemoryMib, int Gpus, long StartMs, long StopMs);

/// <summary>The cost of one attempt: total and by UTC hour (hour start in epoch ms).</summary>
public sealed record AttemptCharge(AttemptKey Key, decimal Share, decimal CostUsd, IReadOnlyDictionary<long, decimal> ByHour);

/// <summary>
/// An instance's cost over its billed interval, what its attempts were charged, and the idle remainder, each by
/// UTC hour. <c>TotalUsd == Σ attempts + IdleUsd</c> exactly (decimal arithmetic).
/// </summary>
public sealed record InstanceCharge(
    CostInstance Instance,
    decimal TotalUsd,
    decimal IdleUsd,
    IReadOnlyDictionary<long, decimal> IdleByHour,
    IReadOnlyList<AttemptCharge> Attempts);
