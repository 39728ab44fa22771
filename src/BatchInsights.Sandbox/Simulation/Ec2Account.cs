namespace BatchInsights.Sandbox.Simulation;

/// <summary>The EC2 side of the simulated account: the region's AZs and its Spot market.</summary>
internal sealed class Ec2Account
{
    private readonly TimeProvider _time;

    public Ec2Account(Scenario scenario, TimeProvider time, int? seedOverride = null)
    {
        _time = time;
        Region = scenario.Region;
        Zones = scenario.AvailabilityZones ?? Ec2Data.Default.DefaultZones(scenario.Region);
        // The pools listed without an instance-type filter: every type the scenario's EC2/Spot CEs may launch
        // ("optimal" expands to c5/m5/r5 as in the Batch simulation). Other types get pools when asked for by name.
        var types = scenario.ComputeEnvironments
            .Where(c => !c.Type.StartsWith("FARGATE", StringComparison.Ordinal))
            .SelectMany(c => InstanceCatalog.Default.Expand(c.InstanceTypes))
            .Select(t => t.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        Market = new SpotMarket(seedOverride ?? scenario.Seed, Region, Zones, types);
    }

    public string Region { get; }

    public IReadOnlyList<string> Zones { get; }

    public SpotMarket Market { get; }

    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
