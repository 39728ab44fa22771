namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>
/// The instance-types rule's event-driven check: replays a CE's observed jobs at their observed start times through
/// <see cref="PackingSimulator"/> (jobs cannot move once placed, launches pay boot and idle scale-down) on a type set,
/// priced the way the CE would buy it. <see cref="SlicePacking"/> repacks every slice from scratch, so it favours type
/// sets that only pack well when jobs can migrate; this replay is what decides between candidate sets and what the
/// "never costlier than the current setting" guard compares.
/// </summary>
public sealed class ObservedReplay
{
    /// <summary>
    /// Jobs replayed at most (the most recent ones, a contiguous stretch of time): one replay of 25,000 jobs takes a few tenths
    /// of a second, so the rule stays within its runtime budget on a million jobs.
    /// </summary>
    public const int MaxJobs = 25_000;

    private readonly long _fromMs;
    private readonly IReadOnlyList<WorkloadJob> _jobs;
    private readonly Dictionary<string, List<SpotPriceSeries>> _spotByType;
    private readonly PackingPolicy _policy;

    public ObservedReplay(IEnumerable<ObservedJob> jobs, long fromMs, IEnumerable<SpotPriceSeries> spotPrices, RecommendationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(spotPrices);
        ArgumentNullException.ThrowIfNull(settings);
        var recent = jobs.Where(j => j.StoppedAtMs > j.StartedAtMs).OrderByDescending(j => j.StartedAtMs).Take(MaxJobs).ToList();
        _fromMs = recent.Count == 0 ? fromMs : Math.Min(fromMs, recent.Min(j => j.StartedAtMs));
        var list = new List<WorkloadJob>(recent.Count);
        foreach (var j in recent)
        {
            // A multi-node job holds one instance slot per node, all at once.
            for (var n = 0; n < Math.Max(1, j.Nodes); n++)
            {
                list.Add(new WorkloadJob((j.StartedAtMs - _fromMs) / 1000, Math.Max(1, (j.StoppedAtMs - j.StartedAtMs) / 1000), j.Vcpus, j.MemoryMib / 1024.0, j.Gpus));
            }
        }

        _jobs = list;
        _spotByType = spotPrices.GroupBy(s => s.InstanceType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        _policy = new PackingPolicy
        {
            BootSeconds = (long)(settings.InstanceBootMinutes * 60),
            IdleScaleDownSeconds = (long)(settings.ScaleDownIdleMinutes * 60),
        };
    }

    public int JobCount => _jobs.Count;

    /// <summary>
    /// Simulated cost (USD) of running the jobs on <paramref name="types"/>. On-Demand: the catalog price. Spot with
    /// <paramref name="cheapestPool"/>: each launch takes the cheapest pool (type × AZ) at that moment, as
    /// SPOT_PRICE_CAPACITY_OPTIMIZED leans to; otherwise the type's mean Spot price (capacity-optimized ignores price).
    /// A type with no harvested Spot price pays <see cref="InstanceTypesRule.AssumedSpotRatio"/> of On-Demand.
    /// Jobs no type can hold are left out and counted in <see cref="SimulationResult.JobsThatFitNoType"/>; pool launches
    /// are named "type@zone" in <see cref="SimulationResult.LaunchesByType"/>.
    /// </summary>
    public SimulationResult Run(IEnumerable<InstanceOffer> types, bool onDemand, bool cheapestPool)
    {
        ArgumentNullException.ThrowIfNull(types);
        var machines = new List<MachineType>();
        var changes = new List<IReadOnlyList<(long, double)>>();
        foreach (var o in types)
        {
            if (o.OnDemandUsdPerHour is not { } od || od <= 0)
            {
                continue;
            }

            // The ECS agent and OS keep part of the memory (SlicePacking.UsableMemoryShare).
            var machine = new MachineType(o.InstanceType, o.Vcpus, o.MemoryMib * SlicePacking.UsableMemoryShare / 1024.0, o.SchedulableGpus);
            var pools = onDemand ? null : _spotByType.GetValueOrDefault(o.InstanceType);
            if (onDemand)
            {
                machines.Add(machine);
                changes.Add([(0L, (double)od)]);
            }
            else if (pools is null || pools.Count == 0 || pools.All(p => p.Points.Count == 0))
            {
                machines.Add(machine);
                changes.Add([(0L, (double)(od * InstanceTypesRule.AssumedSpotRatio))]);
            }
            else if (cheapestPool)
            {
                foreach (var pool in pools.Where(p => p.Points.Count > 0))
                {
                    machines.Add(machine with { Name = $"{o.InstanceType}@{pool.AvailabilityZone}" });
                    changes.Add(pool.Points.Select(p => (Math.Max(0, (p.TimestampMs - _fromMs) / 1000), (double)p.UsdPerHour)).ToList());
                }
            }
            else
            {
                machines.Add(machine);
                changes.Add([(0L, (double)(o.MeanSpotUsdPerHour ?? od * InstanceTypesRule.AssumedSpotRatio))]);
            }
        }

        if (machines.Count == 0)
        {
            return new SimulationResult(0, 0, 0, 0, _jobs.Count, 0, 0, 0, new Dictionary<string, int>());
        }

        return new PackingSimulator(machines, PriceSchedule.FromChanges(changes), _policy).Run(_jobs);
    }
}
