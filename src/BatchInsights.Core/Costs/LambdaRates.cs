namespace BatchInsights.Core.Costs;

/// <summary>AWS Lambda prices and limits: per GB-second of configured memory, per request.</summary>
public sealed record LambdaRates(decimal UsdPerGbSecond, decimal UsdPerMillionRequests)
{
    // aws-facts.md has no Lambda prices: these are AWS's PUBLIC LIST PRICES for us-east-1 (first pricing tier), from
    // https://aws.amazon.com/lambda/pricing/ (as of 2026). Duration is billed per 1 ms of configured memory; the free
    // tier and ephemeral storage above 512 MB are left out. Other regions differ by a few percent.

    /// <summary>Lambda x86_64, us-east-1: $0.0000166667 per GB-second, $0.20 per million requests.</summary>
    public static readonly LambdaRates X86 = new(0.0000166667m, 0.20m);

    /// <summary>Lambda arm64 (Graviton), us-east-1: $0.0000133334 per GB-second, $0.20 per million requests.</summary>
    public static readonly LambdaRates Arm64 = new(0.0000133334m, 0.20m);

    /// <summary>A function runs at most 15 minutes (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(15);

    /// <summary>Configurable memory: 128 MB to 10,240 MB (same quotas page).</summary>
    public const int MinMemoryMb = 128;

    public const int MaxMemoryMb = 10_240;

    /// <summary>Lambda gives CPU in proportion to memory: 1,769 MB is one vCPU, up to 6 vCPUs at 10,240 MB (configuration docs).</summary>
    public const int MbPerVcpu = 1_769;

    /// <summary>/tmp can be configured up to 10,240 MB.</summary>
    public const int MaxEphemeralStorageMb = 10_240;

    /// <summary>
    /// The memory a function needs to match a container's request: its memory, or enough memory to get its vCPUs
    /// (Lambda has no separate CPU setting), at least 128 MB. May exceed <see cref="MaxMemoryMb"/>: then it does not fit.
    /// </summary>
    public static int MemoryMbFor(double vcpus, long memoryMib) =>
        (int)Math.Max(MinMemoryMb, Math.Max(memoryMib, Math.Ceiling(vcpus * MbPerVcpu)));

    /// <summary>Cost of one invocation of <paramref name="durationMs"/> with <paramref name="memoryMb"/> configured: GB-seconds (1 ms granularity) + one request.</summary>
    public decimal InvocationUsd(int memoryMb, long durationMs) =>
        (memoryMb / 1024m * Math.Max(1, durationMs) / 1000m * UsdPerGbSecond) + (UsdPerMillionRequests / 1_000_000m);
}
