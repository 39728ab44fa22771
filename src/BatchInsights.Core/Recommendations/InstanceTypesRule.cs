using System.Globalization;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Core.Recommendations;

/// <summary>The chosen type set for one CE's jobs, with the simulated cost of the current and proposed settings.</summary>
public sealed record InstanceTypeChoice(
    IReadOnlyList<string> CurrentTypes,
    IReadOnlyList<string> ProposedTypes,
    PackingResult Current,
    PackingResult Proposed,
    bool OnDemand,
    IReadOnlyList<JobShape> FitsNoAllowedType)
{
    /// <summary>
    /// Event-driven replay cost (USD, <see cref="Simulation.ObservedReplay"/>) of the current setting and of the proposal over
    /// the replayed jobs; the proposal equals the current types unless it replays cheaper. Null when not replayed.
    /// </summary>
    public (double Current, double Proposed, int Jobs)? Replay { get; init; }
}

/// <summary>
/// Instance types per CE: packs the CE's observed jobs onto candidate families (m/c/r, plus GPU families for GPU jobs)
/// and proposes the cheapest set, diversified for Spot, as an exact <c>computeResources.instanceTypes</c> change.
/// </summary>
public sealed class InstanceTypesRule : IRecommendationRule
{
    public const string RuleId = "instance-types";

    /// <summary>Fallback Spot/On-Demand ratio for a type with no harvested Spot price (a typical long-run discount).</summary>
    public const decimal AssumedSpotRatio = 0.35m;

    private const string SpotPriceCapacityOptimized = "SPOT_PRICE_CAPACITY_OPTIMIZED";

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var jobsByCe = input.Jobs.GroupBy(j => (j.Account, j.Region, j.ComputeEnvironment)).ToDictionary(g => g.Key, g => g.ToList());
        var work = new List<(ComputeEnvironmentConfig Ce, List<ObservedJob> Jobs, List<JobShape> Stuck, bool Mnp)>();
        foreach (var ce in input.ComputeEnvironments.Where(c => c.IsManagedEc2))
        {
            var jobs = jobsByCe.GetValueOrDefault((ce.Account, ce.Region, ce.Name)) ?? [];
            var stuck = StuckShapes(input, ce);
            if (jobs.Count == 0 && stuck.Count == 0)
            {
                continue;
            }

            var mnp = input.Queues.Any(q => q.Account == ce.Account && q.Region == ce.Region && q.HasMultiNodeJobs && q.ComputeEnvironmentOrder.Contains(ce.Name, StringComparer.Ordinal));
            work.Add((ce, jobs, stuck, mnp));
        }

        // CEs are independent: choose for them side by side (each choice also runs its own simulations in parallel, so
        // the cores stay busy when one CE's batch is short), then report in CE order.
        var choices = new InstanceTypeChoice?[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, i =>
        {
            var (ce, jobs, stuck, mnp) = work[i];
            // Only the CE's AZs: its instances launch in its subnets, so other AZs' pools and prices are no evidence for it.
            var offers = input.Offers.Where(o => o.Region == ce.Region).Select(o => o.For(ce)).ToList();
            choices[i] = Choose(jobs, stuck, ce, offers, input.WindowStartMs, input.NowMs, input.Settings, onDemand: !ce.IsSpot || mnp,
                input.SpotPrices.Where(s => s.Account == ce.Account && s.Region == ce.Region && ce.LaunchesIn(s.AvailabilityZone)).ToList());
        });
        for (var i = 0; i < work.Count; i++)
        {
            var (ce, jobs, stuck, mnp) = work[i];
            if (choices[i] is { } choice && BuildRecommendation(input, ce, choice, jobs, stuck, mnp) is { } recommendation)
            {
                yield return recommendation;
            }
        }
    }

    /// <summary>
    /// The pure entry point (also used by the lower-bound benchmark): the cheapest type set for <paramref name="jobs"/>
    /// on <paramref name="ce"/>, priced On-Demand or at mean Spot prices. Null when the region has no priced candidates.
    /// </summary>
    public static InstanceTypeChoice? Choose(
        IReadOnlyList<ObservedJob> jobs,
        IReadOnlyList<JobShape> extraShapes,
        ComputeEnvironmentConfig ce,
        IReadOnlyList<InstanceOffer> offers,
        long fromMs,
        long toMs,
        RecommendationSettings settings,
        bool onDemand,
        IReadOnlyList<SpotPriceSeries>? spotPrices = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(extraShapes);
        ArgumentNullException.ThrowIfNull(ce);
        ArgumentNullException.ThrowIfNull(offers);
        ArgumentNullException.ThrowIfNull(settings);
        var currentTypes = Expand(ce.InstanceTypes, offers);
        var priced = offers.Where(o => o.OnDemandUsdPerHour is not null).ToDictionary(o => o.InstanceType, o => Price(o, onDemand), StringComparer.Ordinal);
        var arch = currentTypes.Any(t => offers.FirstOrDefault(o => o.InstanceType == t)?.Architectures is { } a && a.Contains("arm64") && !a.Contains("x86_64"))
            ? "arm64" : "x86_64";
        var candidates = offers.Where(o => o.OnDemandUsdPerHour is not null && o.CurrentGeneration && !o.Burstable && !o.BareMetal
                && o.Architectures.Contains(arch) && IsCandidateFamily(o.Family, o.Gpus > 0) && o.AllGpusSchedulable && !o.NotOfferedInCeZones)
            .Select(o => priced[o.InstanceType]).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var demand = SlicePacking.BuildDemand(jobs, fromMs, toMs);
        var current = currentTypes.Where(priced.ContainsKey).Select(t => priced[t]).ToList();
        var currentResult = SlicePacking.Simulate(demand, current, settings);

        var allShapes = demand.Shapes.Concat(extraShapes).Distinct().ToList();
        var fitsNothing = allShapes.Where(s => !candidates.Any(t => SlicePacking.Fits(s, t))).ToList();

        // Families ranked by the cost of running everything on that family alone; GPU and CPU families compete separately.
        var families = candidates.GroupBy(t => FamilyOf(t.InstanceType)).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var needsGpu = allShapes.Any(s => s.Gpus > 0);
        var needsCpu = allShapes.Any(s => s.Gpus == 0);
        var chosen = new List<PricedType>();
        var rankings = new List<FamilyRanking>();
        foreach (var gpu in new[] { false, true }.Where(g => g ? needsGpu : needsCpu))
        {
            var part = demand.Where(s => (s.Gpus > 0) == gpu);
            var partShapes = allShapes.Where(s => (s.Gpus > 0) == gpu).ToList();
            var ranking = new FamilyRanking(part, families.Where(f => f.Value[0].Gpus > 0 == gpu)
                // A family that cannot hold a shape that other families can would strand those jobs.
                .Select(f => (f.Key, f.Value, partShapes.Count(s => !fitsNothing.Contains(s) && !f.Value.Any(t => SlicePacking.Fits(s, t))))), settings);
            if (ranking.At(0) is not { } top)
            {
                continue;
            }

            rankings.Add(ranking);
            var set = top.Types.ToList();
            var best = top.Result.CostUsd;
            // Greedy mix: add one of the next families when the mix is at least 1 % cheaper (CPU-heavy + memory-heavy jobs).
            // Trials run two at a time against the same set; a later trial is redone only when an earlier one was taken.
            var nexts = ranking.All.Skip(1).Take(6).ToList();
            for (var k = 0; k < nexts.Count;)
            {
                var trials = nexts.Skip(k).Take(Parallelism).Select(n => set.Concat(n.Types).ToList()).ToList();
                var costs = new decimal[trials.Count];
                Parallel.For(0, trials.Count, i => costs[i] = SlicePacking.Simulate(part, trials[i], settings).CostUsd);
                var taken = Array.FindIndex(costs, c => c < best * 0.99m);
                if (taken < 0)
                {
                    k += trials.Count;
                    continue;
                }

                set = trials[taken];
                best = costs[taken];
                k += taken + 1;
            }

            chosen.AddRange(set);
        }

        // Every family in rank order, CPU families first (as one list sorted per part); ranked lazily, see FamilyRanking.
        var ranked = rankings.SelectMany(r => r.All.Select(e => e.Family));
        var cpuRanked = rankings.Where(r => !r.Gpu).SelectMany(r => r.All.Select(e => e.Family));

        // Keep the sizes the simulation used, plus the smallest size that holds each shape (so every job fits).
        var proposedResult = SlicePacking.Simulate(demand, chosen, settings);
        var keep = new HashSet<string>(proposedResult.InstanceHoursByType.Keys, StringComparer.Ordinal);
        foreach (var shape in allShapes.Except(fitsNothing))
        {
            if (!chosen.Any(t => keep.Contains(t.InstanceType) && SlicePacking.Fits(shape, t))
                && chosen.Where(t => SlicePacking.Fits(shape, t)).OrderBy(t => t.UsdPerHour).FirstOrDefault() is { } smallest)
            {
                keep.Add(smallest.InstanceType);
            }
        }

        if (!onDemand)
        {
            // Spot diversification: at least MinSpotTypes types (ASG guidance, aws-facts §4.3) from the next-best families,
            // same sizes as those used, within Batch's MaxInstanceTypes (largest dropped beyond, as Batch does).
            var sizes = keep.Select(SizeOf).ToHashSet(StringComparer.Ordinal);
            foreach (var family in ranked)
            {
                if (keep.Count >= settings.MinSpotTypes)
                {
                    break;
                }

                foreach (var t in families[family].Where(t => sizes.Contains(SizeOf(t.InstanceType))))
                {
                    keep.Add(t.InstanceType);
                }
            }
        }

        var proposedTypes = keep.Select(t => priced[t]).OrderBy(t => t.Vcpus).ThenBy(t => t.InstanceType, StringComparer.Ordinal)
            .Take(settings.MaxInstanceTypes).ToList();
        if (jobs.Count == 0)
        {
            proposedResult = SlicePacking.Simulate(demand, proposedTypes, settings);
            return new InstanceTypeChoice(currentTypes, proposedTypes.Select(t => t.InstanceType).Order(StringComparer.Ordinal).ToList(),
                currentResult, proposedResult, onDemand, fitsNothing);
        }

        // The slice model repacks every slice, as if jobs could migrate; real jobs stay where they were placed, so a family
        // whose shape misses the jobs' memory/vCPU ratio wastes more than the slices show. Replay the jobs event by event
        // (ObservedReplay) on the slice model's pick and on a few family sets, keep the cheapest, and propose it only if it
        // replays cheaper than the current setting: the recommendation is never costlier than what the CE does today.
        var replay = new ObservedReplay(jobs, fromMs, spotPrices ?? [], settings);
        var offerByType = offers.GroupBy(o => o.InstanceType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        List<InstanceOffer> O(IEnumerable<string> names) => names.Where(offerByType.ContainsKey).Select(n => offerByType[n]).ToList();
        var currentPriceAware = string.Equals(ce.AllocationStrategy, "SPOT_PRICE_CAPACITY_OPTIMIZED", StringComparison.OrdinalIgnoreCase);
        // The proposal is bought price-aware (SPOT_PRICE_CAPACITY_OPTIMIZED, AWS guidance, aws-facts.md §4.3; BuildRecommendation proposes it).
        SimulationResult Replayed(IEnumerable<PricedType> set) => replay.Run(O(set.Select(t => t.InstanceType)), onDemand, cheapestPool: true);
        var gpuPart = chosen.Where(t => t.Gpus > 0).ToList();
        var candidatesSets = new List<List<PricedType>> { chosen };
        candidatesSets.AddRange(cpuRanked.Take(3).Select(f => (List<PricedType>)[.. families[f], .. gpuPart]));
        // The generations of the best-ranked families across c/m/r (c6a → c6a, m6a, r6a: one compute, one balanced and one
        // memory shape per size), and without r: launches pick the cheapest type each job fits, so the mix follows the jobs.
        foreach (var generation in cpuRanked.Take(8).Select(f => f[1..]).Distinct(StringComparer.Ordinal))
        {
            var trio = new[] { "c", "m", "r" }.Select(p => p + generation).Where(families.ContainsKey).ToList();
            if (trio.Count > 1)
            {
                candidatesSets.Add([.. trio.SelectMany(f => families[f]), .. gpuPart]);
            }

            if (trio.Count == 3)
            {
                candidatesSets.Add([.. trio.Take(2).SelectMany(f => families[f]), .. gpuPart]);
            }
        }

        // Independent replays: run them side by side (the current setting's too).
        var replays = new SimulationResult[candidatesSets.Count + 1];
        Parallel.For(0, replays.Length, new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            i => replays[i] = i == candidatesSets.Count ? replay.Run(O(currentTypes), onDemand, currentPriceAware) : Replayed(candidatesSets[i]));
        var currentReplay = replays[^1];
        var bestFull = candidatesSets.Select((set, i) => (Set: set, Result: replays[i]))
            .OrderBy(c => c.Result.JobsThatFitNoType).ThenBy(c => c.Result.CostUsd).First();
        var bestFitNone = bestFull.Result.JobsThatFitNoType;

        // Keep the sizes the replay launched, plus the smallest size that holds each shape, then diversify Spot (as above).
        var used = bestFull.Result.LaunchesByType.Keys.Select(k => k.Split('@')[0]).ToHashSet(StringComparer.Ordinal);
        var finalKeep = new HashSet<string>(used, StringComparer.Ordinal);
        foreach (var shape in allShapes.Except(fitsNothing))
        {
            if (!bestFull.Set.Any(t => finalKeep.Contains(t.InstanceType) && SlicePacking.Fits(shape, t))
                && bestFull.Set.Where(t => SlicePacking.Fits(shape, t)).OrderBy(t => t.UsdPerHour).FirstOrDefault() is { } smallestFit)
            {
                finalKeep.Add(smallestFit.InstanceType);
            }
        }

        if (!onDemand)
        {
            var sizes = finalKeep.Select(SizeOf).ToHashSet(StringComparer.Ordinal);
            foreach (var family in bestFull.Set.Select(t => FamilyOf(t.InstanceType)).Distinct(StringComparer.Ordinal).Concat(ranked))
            {
                if (finalKeep.Count >= settings.MinSpotTypes)
                {
                    break;
                }

                finalKeep.UnionWith(families[family].Where(t => sizes.Contains(SizeOf(t.InstanceType))).Select(t => t.InstanceType));
            }
        }

        // Launched types first when Batch's limit forces a cut, then by size.
        var finalTypes = finalKeep.Select(t => priced[t]).OrderBy(t => used.Contains(t.InstanceType) ? 0 : 1).ThenBy(t => t.Vcpus)
            .ThenBy(t => t.InstanceType, StringComparer.Ordinal).Take(settings.MaxInstanceTypes).ToList();
        var finalReplay = Replayed(finalTypes);
        if (finalReplay.JobsThatFitNoType > bestFitNone || finalReplay.CostUsd > bestFull.Result.CostUsd)
        {
            // Pruning or the type limit made it worse: fall back to the slice model's list if that replays better.
            var sliceReplay = Replayed(proposedTypes);
            if (sliceReplay.JobsThatFitNoType <= finalReplay.JobsThatFitNoType && sliceReplay.CostUsd < finalReplay.CostUsd)
            {
                (finalTypes, finalReplay) = (proposedTypes, sliceReplay);
            }
        }

        var beatsCurrent = finalReplay.JobsThatFitNoType < currentReplay.JobsThatFitNoType
            || (finalReplay.JobsThatFitNoType == currentReplay.JobsThatFitNoType && finalReplay.CostUsd < currentReplay.CostUsd);
        var keepCurrent = !beatsCurrent && currentTypes.Any(priced.ContainsKey);
        var proposedList = keepCurrent ? currentTypes.Where(priced.ContainsKey).Select(t => priced[t]).ToList() : finalTypes;
        // Keeping the current types: the same list as `current`, already simulated.
        proposedResult = keepCurrent ? currentResult : SlicePacking.Simulate(demand, proposedList, settings);
        return new InstanceTypeChoice(currentTypes, proposedList.Select(t => t.InstanceType).Order(StringComparer.Ordinal).ToList(),
            currentResult, proposedResult, onDemand, fitsNothing)
        {
            Replay = (currentReplay.CostUsd, keepCurrent ? currentReplay.CostUsd : finalReplay.CostUsd, replay.JobCount),
        };
    }

    private static Recommendation? BuildRecommendation(RecommendationInput input, ComputeEnvironmentConfig ce, InstanceTypeChoice choice, List<ObservedJob> jobs, List<JobShape> stuck, bool mnp)
    {
        var factor = input.MonthlyFactor;
        var currentMonthly = choice.Current.CostUsd * factor;
        // The event replay decides (jobs stay where placed); it may cover only the most recent jobs, so its ratio
        // proposed/current scales the slice model's monthly cost of the current setting.
        var proposedMonthly = choice.Replay is { Current: > 0 } r
            ? currentMonthly * (decimal)(r.Proposed / r.Current)
            : choice.Proposed.CostUsd * factor;
        var savings = decimal.Round(currentMonthly - proposedMonthly, 2);
        var changes = new List<ProposedChange>();
        var sameTypes = choice.ProposedTypes.Order(StringComparer.Ordinal).SequenceEqual(choice.CurrentTypes.Order(StringComparer.Ordinal), StringComparer.Ordinal);
        var worthIt = savings > Math.Max(1m, currentMonthly * 0.03m);
        if (!sameTypes && (worthIt || choice.Current.Unplaced.Count > choice.Proposed.Unplaced.Count))
        {
            changes.Add(new ProposedChange("computeResources.instanceTypes", string.Join(",", ce.InstanceTypes), string.Join(",", choice.ProposedTypes)));
            if (ce.IsSpot && !mnp && !string.Equals(ce.AllocationStrategy, SpotPriceCapacityOptimized, StringComparison.OrdinalIgnoreCase))
            {
                // The proposal was replayed with price-aware launches (AWS guidance for Spot, aws-facts.md §4.3).
                changes.Add(new ProposedChange("computeResources.allocationStrategy", ce.AllocationStrategy ?? ProposedChange.Unset, SpotPriceCapacityOptimized));
            }
        }

        if (mnp && ce.IsSpot)
        {
            // The seed: multi-node parallel jobs do not work on Spot.
            changes.Add(new ProposedChange("computeResources.type", "SPOT", "EC2"));
        }

        if (changes.Count == 0 && choice.FitsNoAllowedType.Count == 0)
        {
            return null;
        }

        var severity = choice.FitsNoAllowedType.Count > 0 || (mnp && ce.IsSpot) ? RecommendationSeverity.Critical
            : savings > 100 ? RecommendationSeverity.Warning : RecommendationSeverity.Info;
        var evidence = new List<EvidenceItem>
        {
            ShapeHistogram(jobs, stuck, choice, input.Offers.Where(o => o.Region == ce.Region).ToList()),
            EvidenceItem.Table("Packing efficiency: current vs proposed",
                ["Setting", "Types", "Cost in window (USD)", "Monthly (USD)", "Instance-hours", "vCPU reserved / provisioned", "Memory reserved / provisioned", "Job shapes that fit no type"],
                [Row("Current", choice.CurrentTypes, choice.Current, factor), Row("Proposed", choice.ProposedTypes, choice.Proposed, factor)]),
        };
        if (choice.Replay is { } replayed)
        {
            evidence.Add(EvidenceItem.Table("Event replay: current vs proposed",
                ["Setting", "Cost of the replayed jobs (USD)"],
                [["Current", replayed.Current.ToString("0.00", CultureInfo.InvariantCulture)], ["Proposed", replayed.Proposed.ToString("0.00", CultureInfo.InvariantCulture)]],
                string.Create(CultureInfo.InvariantCulture, $"The {replayed.Jobs} most recent job runs replayed at their start times: each goes onto a running instance with room or launches the cheapest type that fits, pays boot and idle scale-down, and never moves. The proposal is kept only if it replays cheaper than the current setting.")));
        }

        if (choice.FitsNoAllowedType.Count > 0)
        {
            evidence.Add(EvidenceItem.Table("Jobs larger than every allowed instance type",
                ["vCPU", "Memory (MiB)", "GPUs"],
                choice.FitsNoAllowedType.Select(s => (IReadOnlyList<string>)[Num(s.Vcpus), s.MemoryMib.ToString(CultureInfo.InvariantCulture), s.Gpus.ToString(CultureInfo.InvariantCulture)]).ToList(),
                "These jobs stay RUNNABLE forever: no candidate instance type has enough vCPU, memory (after the ECS reserve) or GPUs. Lower their requests."));
        }

        var title = changes.Count == 0
            ? $"{ce.Name}: jobs larger than every instance type"
            : mnp && ce.IsSpot && changes.Count == 1
                ? $"{ce.Name}: multi-node parallel jobs need On-Demand"
                : $"{ce.Name}: use {Summarize(choice.ProposedTypes)}";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Packing {jobs.Count} observed jobs: current {choice.CurrentTypes.Count} types cost {currentMonthly:0.00} USD/month, proposed {choice.ProposedTypes.Count} types {proposedMonthly:0.00} USD/month ({(choice.OnDemand ? "On-Demand" : "Spot")} prices).");
        if (mnp && ce.IsSpot)
        {
            summary += " A queue using this CE runs multi-node parallel jobs, which do not work on Spot: switch the CE to EC2 (On-Demand).";
        }

        if (choice.FitsNoAllowedType.Count > 0)
        {
            summary += $" {choice.FitsNoAllowedType.Count} job shape(s) fit no allowed type.";
        }

        var overheadLow = input.Settings with { InstanceBootMinutes = 0, ScaleDownIdleMinutes = 0 };
        var overheadHigh = input.Settings with { InstanceBootMinutes = input.Settings.InstanceBootMinutes * 2, ScaleDownIdleMinutes = input.Settings.ScaleDownIdleMinutes * 2 };
        var (low, high) = Range(input, choice, overheadLow, overheadHigh, savings);
        var assumptions = new List<string>
        {
            "Candidate type sets are found by packing jobs per time slice (first-fit-decreasing; a new instance is the type with the lowest price per unit of remaining work it holds), then compared by replaying the jobs in arrival order (first fit on running instances, else launch the cheapest fitting type; Spot launches take the cheapest pool); savings use the replay's proposed/current ratio.",
            "The proposal is assumed to run with SPOT_PRICE_CAPACITY_OPTIMIZED on Spot (proposed when the CE uses another strategy).",
            string.Create(CultureInfo.InvariantCulture, $"Each launch pays {input.Settings.InstanceBootMinutes} min boot + {input.Settings.ScaleDownIdleMinutes} min idle before scale-down; the savings range uses 0× and 2× these."),
            string.Create(CultureInfo.InvariantCulture, $"Jobs can reserve {SlicePacking.UsableMemoryShare:P0} of an instance's memory (ECS agent and OS keep the rest)."),
            "'optimal' is taken as the m/c/r families Batch picks: c4, m4, r4, c5, m5, r5 and (since 2025-11) m6i, c6i, r6i, c7i.",
            "Images are assumed x86_64 unless the CE already uses arm64 types.",
            choice.OnDemand ? "Priced at On-Demand prices." : string.Create(CultureInfo.InvariantCulture, $"Priced at each type's mean harvested Spot price in {ce.ZonesPhrase} ({AssumedSpotRatio:P0} of On-Demand where none was harvested)."),
            $"Only types offered in {ce.ZonesPhrase} are proposed (DescribeInstanceTypeOfferings; where it was not read, a type whose Spot pools are all in other AZs counts as not offered).",
            string.Create(CultureInfo.InvariantCulture, $"Monthly = window cost × 30 days / {input.WindowHours:0.#} h observed."),
        };
        var bucket = string.Join('|', RecommendationFingerprint.SavingsBucket(savings), choice.FitsNoAllowedType.Count.ToString(CultureInfo.InvariantCulture));
        return new Recommendation(RuleId, new RecommendationTarget(ce.Account, ce.Region, RecommendationTargetKind.ComputeEnvironment, ce.Name, ce.Arn),
            title, summary, changes, new SavingsEstimate(savings, low, high),
            jobs.Count >= 100 ? RecommendationConfidence.High : jobs.Count >= 10 ? RecommendationConfidence.Medium : RecommendationConfidence.Low,
            severity, evidence, assumptions, bucket);
    }

    private static (decimal Low, decimal High) Range(RecommendationInput input, InstanceTypeChoice choice,
        RecommendationSettings a, RecommendationSettings b, decimal savings)
    {
        // Boot/idle minutes only price launches: the two packings already simulated give the cost for any overhead.
        var values = new[] { a, b }.Select(s =>
            decimal.Round((choice.Current.CostWithOverhead(s) - choice.Proposed.CostWithOverhead(s)) * input.MonthlyFactor, 2))
            .Append(savings).ToList();
        return (values.Min(), values.Max());
    }

    private static EvidenceItem ShapeHistogram(List<ObservedJob> jobs, List<JobShape> stuck, InstanceTypeChoice choice, List<InstanceOffer> offers)
    {
        // Memory per vCPU is what separates c (2 GiB), m (4 GiB) and r (8 GiB) families.
        string[] labels = ["≤1 GiB/vCPU", "≤2", "≤4", "≤8", ">8"];
        static int Bucket(double gibPerVcpu) => gibPerVcpu <= 1 ? 0 : gibPerVcpu <= 2 ? 1 : gibPerVcpu <= 4 ? 2 : gibPerVcpu <= 8 ? 3 : 4;
        var jobCounts = new double[labels.Length];
        foreach (var j in jobs)
        {
            jobCounts[Bucket(j.MemoryMib / 1024.0 / Math.Max(j.Vcpus, 0.25))]++;
        }

        foreach (var s in stuck)
        {
            jobCounts[Bucket(s.MemoryMib / 1024.0 / Math.Max(s.Vcpus, 0.25))]++;
        }

        double[] TypeCounts(IEnumerable<string> types)
        {
            var counts = new double[labels.Length];
            foreach (var t in types)
            {
                if (offers.FirstOrDefault(o => o.InstanceType == t) is { Vcpus: > 0 } o)
                {
                    counts[Bucket(o.MemoryMib / 1024.0 / o.Vcpus)]++;
                }
            }

            return counts;
        }

        return EvidenceItem.Chart(EvidenceKind.Histogram, "Job shapes vs instance shapes (memory per vCPU)", labels,
            [new("Jobs", jobCounts), new("Current types", TypeCounts(choice.CurrentTypes)), new("Proposed types", TypeCounts(choice.ProposedTypes))],
            "c families have about 2 GiB per vCPU, m 4 GiB, r 8 GiB.");
    }

    private static IReadOnlyList<string> Row(string name, IReadOnlyList<string> types, PackingResult r, decimal factor) =>
    [
        name, Summarize(types), r.CostUsd.ToString("0.00", CultureInfo.InvariantCulture), (r.CostUsd * factor).ToString("0.00", CultureInfo.InvariantCulture),
        r.InstanceHours.ToString("0.0", CultureInfo.InvariantCulture), r.VcpuEfficiency.ToString("P0", CultureInfo.InvariantCulture),
        r.MemoryEfficiency.ToString("P0", CultureInfo.InvariantCulture), r.Unplaced.Count.ToString(CultureInfo.InvariantCulture),
    ];

    private static string Summarize(IReadOnlyList<string> types) =>
        types.Count <= 4 ? string.Join(", ", types) : $"{string.Join(", ", types.Take(3))} +{types.Count - 3} more";

    private static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static List<JobShape> StuckShapes(RecommendationInput input, ComputeEnvironmentConfig ce)
    {
        var queues = input.Queues.Where(q => q.Account == ce.Account && q.Region == ce.Region && q.ComputeEnvironmentOrder.Count > 0 && q.ComputeEnvironmentOrder[0] == ce.Name)
            .Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        return input.StuckJobs.Where(s => s.Account == ce.Account && s.Region == ce.Region && queues.Contains(s.Queue))
            .Select(s => new JobShape(s.Vcpus, s.MemoryMib, s.Gpus)).Distinct().ToList();
    }

    private static PricedType Price(InstanceOffer o, bool onDemand)
    {
        var od = o.OnDemandUsdPerHour ?? 0m;
        var price = onDemand ? od : o.MeanSpotUsdPerHour ?? decimal.Round(od * AssumedSpotRatio, 6);
        // Only GPUs Batch can schedule count: an AMD GPU type is, for Batch, a CPU machine.
        return new PricedType(o.InstanceType, o.Vcpus, o.MemoryMib, o.SchedulableGpus, price);
    }

    /// <summary>General purpose, compute and memory optimized (m/c/r) for CPU jobs; g/p for GPU jobs.</summary>
    private static bool IsCandidateFamily(string family, bool gpu) =>
        family.Length >= 2 && char.IsDigit(family[1]) && (gpu ? family[0] is 'g' or 'p' : family[0] is 'm' or 'c' or 'r');

    /// <summary>Expands the CE's entries (types, families, optimal, default_*) into catalog types of the region.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> entries, IReadOnlyList<InstanceOffer> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        // "optimal" and default_* as CandidateInstanceTypes (Catalog) documents them.
        var (families, types) = CandidateInstanceTypes.Split(entries);
        foreach (var o in offers.Where(o => families.Contains(o.Family) && !o.BareMetal))
        {
            types.Add(o.InstanceType);
        }

        return types.ToList();
    }

    /// <summary>Simulations run side by side (independent type sets): the machine's cores.</summary>
    private static int Parallelism => Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// The families of one part (CPU or GPU) in the order a full sort would give — fewer stranded shapes first, then the
    /// cost of running the part on that family alone (<see cref="SlicePacking.Simulate"/>), then the name — but simulated
    /// lazily: within a stranded count, families are tried in order of a lower bound on that cost, and a simulated family is
    /// placed once its cost is below the bound of every family not yet simulated. The bound, per slice, is
    /// max(a·vCPU, b·memory, c·GPUs) of the jobs that fit the family, with a, b, c its cheapest price per vCPU, per usable
    /// MiB and per GPU: every instance costs at least that much per unit it holds (aws-facts.md "A valid lower bound", B0),
    /// and boot/idle only add. Most families are never simulated; the order is exactly the full sort's.
    /// </summary>
    private sealed class FamilyRanking
    {
        private readonly SliceDemand _demand;
        private readonly RecommendationSettings _settings;
        private readonly List<Group> _groups;
        private readonly List<RankedFamily> _placed = [];
        private int _group;

        public FamilyRanking(SliceDemand demand, IEnumerable<(string Family, List<PricedType> Types, int Stranded)> families, RecommendationSettings settings)
        {
            _demand = demand;
            _settings = settings;
            var list = families.ToList();
            Gpu = list.Count > 0 && list[0].Types[0].Gpus > 0;
            _groups = list.GroupBy(f => f.Stranded).OrderBy(g => g.Key)
                .Select(g => new Group(g.Select(f => (f.Family, f.Types, Bound: Bound(demand, f.Types)))
                    .OrderBy(f => f.Bound).ThenBy(f => f.Family, StringComparer.Ordinal).ToList()))
                .ToList();
        }

        public bool Gpu { get; }

        /// <summary>Every family in rank order, simulating only as far as the caller reads.</summary>
        public IEnumerable<RankedFamily> All
        {
            get
            {
                for (var i = 0; At(i) is { } ranked; i++)
                {
                    yield return ranked;
                }
            }
        }

        /// <summary>The family at <paramref name="index"/> in rank order; null past the end.</summary>
        public RankedFamily? At(int index)
        {
            while (_placed.Count <= index && Advance())
            {
            }

            return index < _placed.Count ? _placed[index] : null;
        }

        private bool Advance()
        {
            while (_group < _groups.Count)
            {
                var g = _groups[_group];
                var best = g.Simulated.OrderBy(f => f.Result.CostUsd).ThenBy(f => f.Family, StringComparer.Ordinal).FirstOrDefault();
                var nextBound = g.Next < g.Pending.Count ? g.Pending[g.Next].Bound : double.PositiveInfinity;
                // Strictly below the bound (with room for rounding: costs are rounded to 1e-6 USD): ties are simulated. Once the
                // group has nothing left to simulate (bound +∞) the rest place in cost order (∞ − ∞ would be NaN and drop them).
                if (best is not null && (double.IsPositiveInfinity(nextBound) || (double)best.Result.CostUsd < nextBound - 1e-5 - (Math.Abs(nextBound) * 1e-9)))
                {
                    g.Simulated.Remove(best);
                    _placed.Add(best);
                    return true;
                }

                if (g.Next >= g.Pending.Count)
                {
                    _group++;
                    continue;
                }

                var batch = g.Pending.Skip(g.Next).Take(Parallelism).ToList();
                g.Next += batch.Count;
                var results = new PackingResult[batch.Count];
                Parallel.For(0, batch.Count, i => results[i] = SlicePacking.Simulate(_demand, batch[i].Types, _settings));
                g.Simulated.AddRange(batch.Select((f, i) => new RankedFamily(f.Family, f.Types, results[i])));
            }

            return false;
        }

        private static double Bound(SliceDemand demand, List<PricedType> types)
        {
            double a = double.MaxValue, b = double.MaxValue, c = double.MaxValue;
            foreach (var t in types)
            {
                var price = (double)t.UsdPerHour;
                a = Math.Min(a, price / Math.Max(t.Vcpus, 1e-9));
                b = Math.Min(b, price / Math.Max(t.MemoryMib * SlicePacking.UsableMemoryShare, 1e-9));
                if (t.Gpus > 0)
                {
                    c = Math.Min(c, price / t.Gpus);
                }
            }

            // Only shapes some type holds are packed (the others are reported unplaced, not priced).
            var placeable = demand.Shapes.Select(s => types.Any(t => SlicePacking.Fits(s, t))).ToArray();
            double total = 0;
            foreach (var slice in demand.Slices)
            {
                double v = 0, m = 0, gpus = 0;
                foreach (var (s, n) in slice)
                {
                    if (placeable[s])
                    {
                        v += n * demand.Shapes[s].Vcpus;
                        m += n * (double)demand.Shapes[s].MemoryMib;
                        gpus += n * demand.Shapes[s].Gpus;
                    }
                }

                total += Math.Max(a * v, Math.Max(b * m, c == double.MaxValue ? 0 : c * gpus));
            }

            return total * demand.SliceHours;
        }

        private sealed class Group(List<(string Family, List<PricedType> Types, double Bound)> pending)
        {
            public List<(string Family, List<PricedType> Types, double Bound)> Pending { get; } = pending;

            public int Next { get; set; }

            public List<RankedFamily> Simulated { get; } = [];
        }
    }

    private sealed record RankedFamily(string Family, List<PricedType> Types, PackingResult Result);

    private static string FamilyOf(string type) => type[..type.IndexOf('.', StringComparison.Ordinal)];

    private static string SizeOf(string type) => type[(type.IndexOf('.', StringComparison.Ordinal) + 1)..];
}
