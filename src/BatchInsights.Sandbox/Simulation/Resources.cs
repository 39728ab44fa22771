namespace BatchInsights.Sandbox.Simulation;

/// <summary>One version of a compute environment's settings, in effect from a time on.</summary>
internal sealed record CeConfig(
    string State,
    IReadOnlyList<string> InstanceTypeEntries,
    IReadOnlyList<InstanceTypeInfo> Types,
    int MinvCpus,
    int DesiredvCpus,
    int MaxvCpus,
    int? BidPercentage,
    string? AllocationStrategy,
    double InterruptionRate)
{
    /// <summary>A max price below On-Demand only adds price-driven interruptions (EC2's own guidance).</summary>
    public double EffectiveInterruptionRate => BidPercentage is { } bid ? InterruptionRate * (1 + ((100 - bid) / 50.0)) : InterruptionRate;
}

internal sealed class ComputeEnvironment
{
    // Copy-on-write so readers outside the account lock (DescribeComputeEnvironments) never see a list being resized.
    private volatile (long From, CeConfig Config)[] _versions = [];

    public required int Index { get; init; }
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string Uuid { get; init; }
    public required string EcsClusterArn { get; init; }
    public required string ClusterName { get; init; }
    /// <summary>EC2 | SPOT | FARGATE | FARGATE_SPOT.</summary>
    public required string ResourceType { get; init; }
    public required IReadOnlyList<string> Subnets { get; init; }
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }
    public required string ServiceRole { get; init; }
    public required string InstanceRole { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public long UpdatingUntil { get; set; } = long.MinValue;
    /// <summary>False when no subnet of the CE reaches ECS (no NAT, no public IP, no ECS endpoints): nothing starts there.</summary>
    public bool HasNetworkPath { get; init; } = true;

    public bool IsFargate => ResourceType.StartsWith("FARGATE", StringComparison.Ordinal);
    public bool IsSpot => ResourceType is "SPOT" or "FARGATE_SPOT";

    public IReadOnlyList<(long From, CeConfig Config)> Versions => _versions;

    public CeConfig Current => _versions[^1].Config;

    public void AddVersion(long from, CeConfig config) => _versions = [.. _versions, (from, config)];

    public CeConfig At(long t)
    {
        var versions = _versions;
        for (var i = versions.Length - 1; i > 0; i--)
        {
            if (versions[i].From <= t) return versions[i].Config;
        }

        return versions[0].Config;
    }
}

internal sealed class JobQueue
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required int Priority { get; init; }
    public required string State { get; init; }
    public required int[] CeOrder { get; init; }
    public required double MeanWaitMs { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Indices of this queue's top-level jobs, oldest first.</summary>
    public List<int> Jobs { get; } = [];
}

internal sealed class JobDefinitionInfo
{
    public required int Index { get; init; }
    public required string Arn { get; init; }
    public required JobDefinitionSpec Spec { get; init; }
    public required int QueueIndex { get; init; }
    public string Name => Spec.Name;
    public bool IsFargate => Spec.PlatformCapabilities.Contains("FARGATE");
    public bool IsMultinode => Spec.Type == "multinode";
}
