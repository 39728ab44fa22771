namespace BatchInsights.Sandbox.Simulation;

/// <summary>The EC2 side of the simulated account: the region's AZs and its Spot market.</summary>
internal sealed class Ec2Account
{
    private readonly TimeProvider _time;

    /// <param name="market">The account's Spot market, shared with the Batch simulation (its reclaims follow the prices).</param>
    public Ec2Account(Scenario scenario, SpotMarket market, TimeProvider time)
    {
        _time = time;
        Scenario = scenario;
        Region = scenario.Region;
        Zones = market.Zones;
        Market = market;
        Network = new NetworkLayout(scenario, scenario.Seed);
    }

    /// <summary>The VPC layout; the server hands in the Batch account's (same seed override) so subnet ids agree.</summary>
    public NetworkLayout Network { get; init; }

    public string AccountId => Scenario.AccountId;

    private Scenario Scenario { get; }

    /// <summary>
    /// The scenario's Spot market. Pools listed without an instance-type filter: every type the scenario's EC2/Spot CEs
    /// may launch ("optimal" expands to c5/m5/r5 as in the Batch simulation); other types get pools when named.
    /// </summary>
    public static SpotMarket CreateMarket(Scenario scenario, int seed)
    {
        var zones = scenario.AvailabilityZones ?? Ec2Data.Default.DefaultZones(scenario.Region);
        var types = scenario.ComputeEnvironments
            .Where(c => !c.Type.StartsWith("FARGATE", StringComparison.Ordinal))
            .SelectMany(c => InstanceCatalog.Default.Expand(c.InstanceTypes))
            .Select(t => t.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new SpotMarket(seed, scenario.Region, zones, types);
    }

    public string Region { get; }

    public IReadOnlyList<string> Zones { get; }

    public SpotMarket Market { get; }

    /// <summary>The Batch side whose CEs launched the account's instances (DescribeInstances); null lists none.</summary>
    public BatchAccount? Batch { get; init; }

    public int TerminatedInstanceVisibleMinutes { get; init; } = 60;

    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
