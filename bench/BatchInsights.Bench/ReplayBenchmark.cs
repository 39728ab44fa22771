using System.Diagnostics;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Recommendations.LowerBound;
using BatchInsights.Core.Recommendations.Simulation;
using BatchInsights.Sandbox.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using SandboxCatalog = BatchInsights.Sandbox.Simulation.InstanceCatalog;

namespace BatchInsights.Bench;

/// <summary>
/// Issue 4's quality benchmark: a replay of the real workload trace on one of the sandbox scenario's compute environments.
/// Reports the lower bound (<see cref="CostLowerBound"/>), the cost of the CE's current setting and of a recommended type
/// list (<see cref="PackingSimulator"/>), and their ratios. Prices: On-Demand from the embedded catalog; Spot from the
/// sandbox's Spot market (same seed, so the same prices the sandbox serves), the mean over AZs for simulated launches and
/// the lowest AZ for the bound.
/// </summary>
internal static class ReplayBenchmark
{
    // Any fixed instant works: the Spot model is defined for all times. A fixed one makes runs repeatable.
    private static readonly DateTimeOffset Origin = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public static Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        return Task.FromResult(Run(args));
    }

    private static BenchReport Run(BenchArgs args)
    {
        var total = Stopwatch.StartNew();
        var sampler = new MemorySampler();
        var scenario = ScenarioLoader.Load(null);
        if (args.ArrayScale is { } arrayScale)
        {
            scenario = scenario with { Workload = scenario.Workload with { ArraySizeScale = arrayScale } };
        }

        var ce = scenario.ComputeEnvironments.FirstOrDefault(c => c.Name == args.ComputeEnvironment)
            ?? throw new ArgumentException($"The sandbox scenario has no compute environment '{args.ComputeEnvironment}' "
                + $"(it has {string.Join(", ", scenario.ComputeEnvironments.Select(c => c.Name))}).");
        if (ce.Type is not ("EC2" or "SPOT"))
        {
            throw new ArgumentException($"'{ce.Name}' is a {ce.Type} compute environment: only EC2 and SPOT ones launch instance types.");
        }

        var spot = ce.Type == "SPOT";
        var catalog = new Core.Catalog.InstanceCatalog(NullLogger<Core.Catalog.InstanceCatalog>.Instance, TimeProvider.System);
        var windowSeconds = (long)(args.Hours * 3600);
        // The AZs of the CE's subnets: Batch launches its instances only there (the sandbox places them in a, b, c too), so
        // the simulations and the bounds take Spot pools from these AZs only; the rule sees every AZ's pools, as the harvest
        // stores them, and the CE's AZs, as the loader gives them.
        var ceZones = CeZones(scenario, ce);
        var prices = new Pricing(scenario, catalog, spot, windowSeconds, ceZones);

        var step = Stopwatch.StartNew();
        var jobs = TraceWorkload.Load(scenario.Workload, windowSeconds);
        var loadTime = step.Elapsed;
        var vcpuHours = jobs.Sum(j => j.Vcpus * j.DurationSeconds) / 3600.0;

        // What the sandbox launches for this CE ("optimal" = c5/m5/r5 there), priced from the app's catalog.
        var currentNames = SandboxCatalog.Default.Expand(ce.InstanceTypes).Select(t => t.Name);
        var current = prices.Price(currentNames, cheapestPool: ce.AllocationStrategy == "SPOT_PRICE_CAPACITY_OPTIMIZED");
        var everything = prices.Price(catalog.All
            // Burstable (T) types are left out: their vCPUs are CPU credits, not cores a batch job can hold all day.
            .Where(t => t.Architectures.Contains("x86_64") && t.CurrentGeneration && !t.Burstable && t.Vcpus > 0 && (!spot || t.SupportsSpot))
            .Select(t => t.Name), cheapestPool: false);

        step.Restart();
        var boundAll = CostLowerBound.Compute(jobs, everything.Types, everything.BoundPrices, args.SliceSeconds);
        var boundAllTime = step.Elapsed;
        PrintMix(boundAll, everything.Types, "bound (catalog)");
        step.Restart();
        var boundCe = CostLowerBound.Compute(jobs, current.Types, current.BoundPrices, args.SliceSeconds);
        var boundCeTime = step.Elapsed;
        // The fit-aware class LP (a job only on types that hold it, count rows): the denominator of the ratios.
        step.Restart();
        var fitAll = FitAwareLowerBound.Compute(jobs, everything.Types, everything.BoundPrices, args.SliceSeconds);
        var fitAllTime = step.Elapsed;
        step.Restart();
        var fitCe = FitAwareLowerBound.Compute(jobs, current.Types, current.BoundPrices, args.SliceSeconds);
        var fitCeTime = step.Elapsed;

        var policy = new PackingPolicy();
        policy = policy with
        {
            BootSeconds = args.BootSeconds ?? policy.BootSeconds,
            IdleScaleDownSeconds = args.IdleSeconds ?? policy.IdleScaleDownSeconds,
        };
        step.Restart();
        var currentRun = new PackingSimulator(current.SimulationTypes, current.SimulationPrices, policy).Run(jobs);
        var currentTime = step.Elapsed;

        var market = spot ? "Spot" : "On-Demand";
        var report = new BenchReport($"replay-{ce.Name}-{args.Hours:0}h" + (args.ArrayScale is { } x ? $"-arrays{x:0.###}" : ""),
            $"Replay of the Alibaba 2017 trace on sandbox CE `{ce.Name}` ({market}, {string.Join(",", ce.InstanceTypes)}): "
            + $"{Fmt.N(jobs.Count)} jobs, {Fmt.N(vcpuHours, 0)} vCPU-h over {Fmt.N(args.Hours, 0)} h",
            ["Setting", "Types", "Cost (USD)", "Instance-h", "vCPU / mem used", "÷ fit-aware bound (catalog)", "÷ fit-aware bound (CE types)", "÷ current", "Runtime"]);
        string Ratio(double a, double b) => double.IsFinite(a) && double.IsFinite(b) && b > 0 ? Fmt.N(a / b, 3) : "–";
        void Bound(string name, double usd, int types, string time) =>
            report.Add(name, Fmt.N(types), Fmt.N(usd, 2), "–", "–", Ratio(usd, fitAll.BoundUsd), Ratio(usd, fitCe.BoundUsd),
                Ratio(usd, currentRun.CostUsd), time);
        void Simulated(string name, SimulationResult r, int types, TimeSpan time) =>
            report.Add(name, Fmt.N(types), Fmt.N(r.CostUsd, 2), Fmt.N(r.InstanceHours, 0), $"{r.VcpuUtilization:P0} / {r.MemoryUtilization:P0}",
                Ratio(r.CostUsd, fitAll.BoundUsd), Ratio(r.CostUsd, fitCe.BoundUsd), Ratio(r.CostUsd, currentRun.CostUsd), Fmt.Duration(time));

        Bound("Lower bound, any current x86_64 type (fit-aware class LP)", fitAll.BoundUsd, everything.Types.Count, Fmt.Duration(fitAllTime));
        Bound("Lower bound, same types (plain per-slice LP)", boundAll.BoundUsd, everything.Types.Count, Fmt.Duration(boundAllTime));
        Bound("B0 = max(a·V, b·M), same types", boundAll.B0Usd, everything.Types.Count, "(same run)");
        Bound("Lower bound, the CE's types (fit-aware)", fitCe.BoundUsd, current.Types.Count, Fmt.Duration(fitCeTime));
        Bound("Lower bound, the CE's types (plain)", boundCe.BoundUsd, current.Types.Count, Fmt.Duration(boundCeTime));
        Simulated("Current setting (simulated)", currentRun, current.Types.Count, currentTime);
        PrintTop(currentRun, "current");

        // The instance-types rule on the replayed jobs, as the app would run it on a harvest of them; its proposal (or the
        // current setting when it proposes no change) is simulated exactly like the current setting.
        step.Restart();
        // The rule is configured with the replay's own boot and idle times, as a user sets Recommendations:InstanceBootMinutes
        // / ScaleDownIdleMinutes to what their CEs do: it is judged in the world it was told about.
        var ruleSettings = new RecommendationSettings(InstanceBootMinutes: policy.BootSeconds / 60.0, ScaleDownIdleMinutes: policy.IdleScaleDownSeconds / 60.0);
        var advice = RecommendedTypes(scenario, ce, jobs, catalog, prices, windowSeconds, ruleSettings);
        var ruleTime = step.Elapsed;
        Console.WriteLine($"rule: {advice.Describe}");
        var recommendedNames = args.Recommended is { } handPicked
            ? CandidateInstanceTypes.Expand(handPicked.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), catalog)
            : advice.Types ?? currentNames.ToList();
        var recommendedLabel = args.Recommended is { } l ? $"Hand-picked: {l}"
            : advice.Types is null ? "Recommended: no change (rule keeps the current setting)" : $"Recommended by {InstanceTypesRule.RuleId} ({advice.Types.Count} types)";
        // The recommender's Spot advice is SPOT_PRICE_CAPACITY_OPTIMIZED (AWS guidance, aws-facts.md §4.3): cheapest pool.
        // With no change proposed the CE keeps its own allocation strategy.
        var recommendedPriceAware = advice.Types is null && args.Recommended is null ? ce.AllocationStrategy == "SPOT_PRICE_CAPACITY_OPTIMIZED" : true;
        var recommended = prices.Price(recommendedNames, cheapestPool: recommendedPriceAware);
        step.Restart();
        var recommendedRun = new PackingSimulator(recommended.SimulationTypes, recommended.SimulationPrices, policy).Run(jobs);
        Simulated(recommendedLabel, recommendedRun, recommended.Types.Count, ruleTime + step.Elapsed);
        PrintTop(recommendedRun, "recommended");
        report.Note($"Recommended ÷ fit-aware lower bound (catalog) = {Ratio(recommendedRun.CostUsd, fitAll.BoundUsd)} (target ≤ 1.20; "
            + $"÷ plain LP bound {Ratio(recommendedRun.CostUsd, boundAll.BoundUsd)}); "
            + $"recommended ÷ current = {Ratio(recommendedRun.CostUsd, currentRun.CostUsd)} (target ≤ 1). "
            + (args.Recommended is { } hand ? $"List given by hand ({hand})" : $"Rule output: {advice.Describe}")
            + $"; {recommendedRun.JobsThatFitNoType} jobs fit none of its types. Rule runtime {Fmt.Duration(ruleTime)}.");

        // Where recommended − bound comes from: take one cause away at a time from the recommended setting's simulation, down
        // to the fit-aware bound over the recommended types, then to the catalog-wide bound. Each step's delta is that cause's
        // share in this order (the causes interact, so another order would split them a little differently).
        var zero = policy with { BootSeconds = 0 };
        var noOverhead = zero with { IdleScaleDownSeconds = 0, MinimumBillingSeconds = 0 };
        var noBoot = new PackingSimulator(recommended.SimulationTypes, recommended.SimulationPrices, zero).Run(jobs);
        var noIdle = new PackingSimulator(recommended.SimulationTypes, recommended.SimulationPrices, noOverhead).Run(jobs);
        // Instances that follow the cheapest AZ second by second: the bound's price model, with no AZ to pick at launch.
        var follow = new PackingSimulator(recommended.Types, recommended.BoundPrices, noOverhead).Run(jobs);
        var fitRecommended = FitAwareLowerBound.Compute(jobs, recommended.Types, recommended.BoundPrices, args.SliceSeconds);
        Simulated("Gap 1: recommended, boot 0 s", noBoot, recommended.Types.Count, TimeSpan.Zero);
        Simulated("Gap 2: … and no idle delay, no minimum billing", noIdle, recommended.Types.Count, TimeSpan.Zero);
        Simulated("Gap 3: … and each instance pays its type's cheapest AZ at every second", follow, recommended.Types.Count, TimeSpan.Zero);
        Bound("Gap 4: fit-aware bound over the recommended types", fitRecommended.BoundUsd, recommended.Types.Count, "–");
        // The families InstanceTypesRule may choose from (m/c/r, current generation, no metal): how much of the type-set gap
        // lies outside them. And per family, the bound over that family alone, to see which ones the rule should find.
        var ruleFamilies = prices.Price(everything.Types.Select(t => t.Name).Where(n => catalog.TryGet(n, out var spec) && !spec.BareMetal
            && spec.Family.Length >= 2 && spec.Family[0] is 'c' or 'm' or 'r' && char.IsDigit(spec.Family[1])), cheapestPool: false);
        var fitRuleFamilies = FitAwareLowerBound.Compute(jobs, ruleFamilies.Types, ruleFamilies.BoundPrices, args.SliceSeconds);
        Bound("Gap 5: fit-aware bound over every m/c/r type (the rule's candidates)", fitRuleFamilies.BoundUsd, ruleFamilies.Types.Count, "–");
        var perFamily = ruleFamilies.Types.Select((t, i) => (Family: t.Name[..t.Name.IndexOf('.', StringComparison.Ordinal)], Index: i))
            .GroupBy(x => x.Family).Select(g =>
            {
                var names = g.Select(x => ruleFamilies.Types[x.Index].Name).ToList();
                var family = prices.Price(names, cheapestPool: false);
                return (g.Key, Usd: FitAwareLowerBound.Compute(jobs, family.Types, family.BoundPrices, args.SliceSeconds).BoundUsd);
            }).OrderBy(f => f.Usd).Take(10).ToList();
        Console.WriteLine("fit-aware bound per family (m/c/r): " + string.Join(", ", perFamily.Select(f => $"{f.Key} {f.Usd:N0}")));
        var gap = recommendedRun.CostUsd - fitAll.BoundUsd;
        string Part(string name, double usd) => $"{name} {Fmt.N(usd, 0)} USD ({(gap > 0 ? usd / gap : 0):P0})";
        report.Note($"**Gap decomposition** recommended − fit-aware bound (catalog) = {Fmt.N(gap, 0)} USD: "
            + Part("boot", recommendedRun.CostUsd - noBoot.CostUsd) + "; "
            + Part("idle scale-down + minimum billing", noBoot.CostUsd - noIdle.CostUsd) + "; "
            + Part(spot ? "Spot pool held for the instance's life (cannot follow the cheapest AZ)" : "pool (none On-Demand)", noIdle.CostUsd - follow.CostUsd) + "; "
            + Part("packing (jobs pinned to one instance, first-fit, whole instances)", follow.CostUsd - fitRecommended.BoundUsd) + "; "
            + Part("type set within the m/c/r families (recommended types vs the best m/c/r mix)", fitRecommended.BoundUsd - fitRuleFamilies.BoundUsd) + "; "
            + Part("types outside m/c/r", fitRuleFamilies.BoundUsd - fitAll.BoundUsd) + ". Order of removal as listed. "
            + $"Cheapest single m/c/r families by fit-aware bound: {string.Join(", ", perFamily.Take(5).Select(f => $"{f.Key} {Fmt.N(f.Usd, 0)}"))} USD.");

        // The ECS agent's memory reserve: the simulator with only SlicePacking.UsableMemoryShare of each type's memory, and the
        // bound likewise (valid for real placements, which can only reserve the memory ECS registers).
        var share = SlicePacking.UsableMemoryShare;
        step.Restart();
        var everythingEcs = prices.Price(everything.Types.Select(t => t.Name), cheapestPool: false, memoryShare: share);
        var fitAllEcs = FitAwareLowerBound.Compute(jobs, everythingEcs.Types, everythingEcs.BoundPrices, args.SliceSeconds);
        var fitAllEcsTime = step.Elapsed;
        var currentEcs = prices.Price(currentNames, cheapestPool: ce.AllocationStrategy == "SPOT_PRICE_CAPACITY_OPTIMIZED", memoryShare: share);
        var currentEcsRun = new PackingSimulator(currentEcs.SimulationTypes, currentEcs.SimulationPrices, policy).Run(jobs);
        var recommendedEcs = prices.Price(recommendedNames, cheapestPool: recommendedPriceAware, memoryShare: share);
        var recommendedEcsRun = new PackingSimulator(recommendedEcs.SimulationTypes, recommendedEcs.SimulationPrices, policy).Run(jobs);
        Bound($"ECS reserve: fit-aware bound (catalog), {share:P0} of memory usable", fitAllEcs.BoundUsd, everythingEcs.Types.Count, Fmt.Duration(fitAllEcsTime));
        Simulated($"ECS reserve: current, {share:P0} of memory usable", currentEcsRun, currentEcs.Types.Count, TimeSpan.Zero);
        Simulated($"ECS reserve: recommended, {share:P0} of memory usable", recommendedEcsRun, recommendedEcs.Types.Count, TimeSpan.Zero);
        report.Note($"**ECS memory reserve** (jobs reserve ≤ {share:P0} of memory, as the rule assumes): bound {Fmt.N(fitAllEcs.BoundUsd, 2)} USD "
            + $"({Ratio(fitAllEcs.BoundUsd, fitAll.BoundUsd)} × full-memory bound), current {Ratio(currentEcsRun.CostUsd, currentRun.CostUsd)} ×, "
            + $"recommended {Ratio(recommendedEcsRun.CostUsd, recommendedRun.CostUsd)} ×; recommended ÷ bound, both with the reserve = "
            + $"{Ratio(recommendedEcsRun.CostUsd, fitAllEcs.BoundUsd)}, recommended ÷ current = {Ratio(recommendedEcsRun.CostUsd, currentEcsRun.CostUsd)}.");

        // Diagnostics of the price model (not bounds): the LP with each type at its mean over AZs, and the recommendation's
        // launches under other allocation models.
        if (spot)
        {
            var meanPrices = prices.Price(everything.Types.Select(t => t.Name), cheapestPool: false, boundMeanOverZones: true);
            var meanBound = CostLowerBound.Compute(jobs, meanPrices.Types, meanPrices.BoundPrices, args.SliceSeconds);
            var perVcpu = new PackingSimulator(recommended.SimulationTypes, recommended.SimulationPrices, policy with { Launch = LaunchChoice.CheapestPerVcpu }).Run(jobs);
            var blind = prices.Price(recommendedNames, cheapestPool: false);
            var blindRun = new PackingSimulator(blind.SimulationTypes, blind.SimulationPrices, policy).Run(jobs);
            report.Note($"**Spot price model** (diagnostics, not bounds): plain LP (catalog) with each type at its mean over AZs "
                + $"{Fmt.N(meanBound.BoundUsd, 2)} USD = {Ratio(meanBound.BoundUsd, boundAll.BoundUsd)} × the cheapest-AZ plain LP; recommended with "
                + $"launches taking the lowest $/vCPU pool {Fmt.N(perVcpu.CostUsd, 2)} USD ({Ratio(perVcpu.CostUsd, recommendedRun.CostUsd)} ×), "
                + $"paying the mean over AZs (price-blind allocation) {Fmt.N(blindRun.CostUsd, 2)} USD ({Ratio(blindRun.CostUsd, recommendedRun.CostUsd)} ×).");
        }

        var w = scenario.Workload;
        report.Note($"Workload: the first {Fmt.N(args.Hours, 0)} h of the trace stretched ×{w.DurationScale} "
            + $"({Fmt.N(jobs.Count)} jobs incl. array children; vCPU ×{w.CpuScale}, memory share × {w.MemoryMachineGiB} GiB × {w.MemoryScale}, "
            + $"durations ×{w.DurationScale}, arrays ×{w.ArraySizeScale}); {Fmt.N(boundAll.MemoryGibHours, 0)} GiB-h; "
            + $"peak slice demand {Fmt.N(boundAll.Slices.Max(s => s.Vcpus), 0)} vCPU. Loaded in {Fmt.Duration(loadTime)}.");
        report.Note($"Policy: first-fit onto live instances, else launch the {policy.Launch} type; boot {policy.BootSeconds} s (billed), "
            + $"scale-down after {policy.IdleScaleDownSeconds} s idle, {policy.MinimumBillingSeconds} s minimum billing; "
            + $"{currentRun.JobsThatFitNoType} jobs fit none of the current types. "
            + (spot ? $"Spot ({ce.AllocationStrategy}): simulated launches go to the cheapest pool (type × AZ) at launch under SPOT_PRICE_CAPACITY_OPTIMIZED "
                + $"(also assumed for the recommended list), else pay the mean over AZs; the bound takes the lowest AZ; pools of the CE's AZs only ({(ceZones.Count == 0 ? "all" : string.Join(", ", ceZones))}; "
                + "the rule sees every AZ's pools and the CE's AZs); bidPercentage and interruptions not modelled." : "On-Demand prices: embedded us-east-1 catalog."));
        report.Note($"Fit-aware bound (catalog): {fitAll.Classes} job classes, {fitAll.TypeSets} type sets (each a covering row per resource, "
            + $"an instance-count row and a job-count row); fit-aware ÷ plain = {Ratio(fitAll.BoundUsd, boundAll.BoundUsd)} (catalog), "
            + $"{Ratio(fitCe.BoundUsd, boundCe.BoundUsd)} (CE types).");
        report.Note($"Slices of {args.SliceSeconds} s ({Fmt.N(boundAll.Slices.Count)}); total runtime {Fmt.Duration(total.Elapsed)}, "
            + $"peak managed heap {Fmt.MiB(sampler.PeakHeapBytes)}, peak working set {Fmt.MiB(MemorySampler.PeakWorkingSetBytes)}.");
        sampler.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return report;
    }

    /// <summary>What <see cref="InstanceTypesRule"/> proposes for the replayed CE: its new type list, or null for "keep".</summary>
    private sealed record RuleAdvice(IReadOnlyList<string>? Types, string Describe);

    /// <summary>
    /// Runs <see cref="InstanceTypesRule"/> on a <see cref="RecommendationInput"/> built from the replay: one MANAGED CE as
    /// the sandbox scenario configures it, one queue on it, the jobs as the loader's <see cref="ObservedJob"/> records
    /// (epoch ms from <see cref="Origin"/>), and offers from the embedded catalog with the Spot model's pools over the
    /// window (<see cref="RecommendationInputLoader.BuildOffers"/>, the loader's own code).
    /// </summary>
    private static RuleAdvice RecommendedTypes(Scenario scenario, ComputeEnvironmentSpec ce, List<WorkloadJob> jobs,
        Core.Catalog.InstanceCatalog catalog, Pricing prices, long windowSeconds, RecommendationSettings settings)
    {
        const string Account = "123456789012";
        var fromMs = Origin.ToUnixTimeMilliseconds();
        var toMs = fromMs + (windowSeconds * 1000);
        var region = scenario.Region;
        var observed = jobs.Select(j => new ObservedJob(Account, region, "replay", ce.Name, "trace", j.Vcpus, (long)Math.Round(j.MemoryGib * 1024), j.Gpus, 1,
            fromMs + (j.StartSecond * 1000), fromMs + (j.EndSecond * 1000))).ToList();
        // The rule sees the whole window the jobs ran in (a 24-h job started late runs past it).
        var nowMs = Math.Max(toMs, observed.Count == 0 ? toMs : observed.Max(j => j.StoppedAtMs));
        var config = new ComputeEnvironmentConfig(Account, region, $"arn:aws:batch:{region}:{Account}:compute-environment/{ce.Name}", ce.Name, "MANAGED",
            ce.Type, "ENABLED", "VALID", ce.InstanceTypes, ce.AllocationStrategy, ce.BidPercentage, 0, ce.MaxvCpus, 0, ce.Subnets ?? [])
        {
            AvailabilityZones = CeZones(scenario, ce),
        };
        var queue = new QueueConfig(Account, region, "replay", "ENABLED", 1, [ce.Name], HasMultiNodeJobs: false);
        var series = ce.Type == "SPOT" ? prices.SpotPriceSeries(Account, fromMs, nowMs) : [];
        var offers = RecommendationInputLoader.BuildOffers(catalog, [region], series, fromMs, nowMs);
        var input = new RecommendationInput(nowMs, fromMs, [config], [queue], observed, offers, series, [], [], [], settings);
        var recommendation = new InstanceTypesRule().Evaluate(input).FirstOrDefault();
        var change = recommendation?.Changes.FirstOrDefault(c => c.FieldPath == "computeResources.instanceTypes");
        if (change is null)
        {
            return new RuleAdvice(null, recommendation is null ? "no recommendation" : $"no type change ({recommendation.Title})");
        }

        var types = change.ProposedValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RuleAdvice(types, $"{change.ProposedValue} (rule's own estimate: saves {recommendation!.Savings.MonthlyUsd:N0} USD/month)");
    }

    /// <summary>The AZs of the CE's subnets in the scenario's VPCs, sorted; empty when it names none.</summary>
    private static List<string> CeZones(Scenario scenario, ComputeEnvironmentSpec ce)
    {
        var zoneOf = scenario.Vpcs.SelectMany(v => v.Subnets).ToDictionary(s => s.Name, s => s.Zone, StringComparer.Ordinal);
        return (ce.Subnets ?? []).Where(zoneOf.ContainsKey).Select(n => zoneOf[n]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static void PrintMix(LowerBoundResult bound, List<MachineType> types, string label) =>
        Console.WriteLine($"{label}: LP mix, instance-hours by type " + string.Join(", ", bound.Slices
            .SelectMany(s => s.Mix.Select(m => (types[m.Type].Name, Hours: m.Count * bound.SliceSeconds / 3600.0)))
            .GroupBy(m => m.Name).Select(g => (g.Key, Hours: g.Sum(m => m.Hours))).OrderByDescending(g => g.Hours).Take(6)
            .Select(g => $"{g.Key} {g.Hours:N0}")));

    private static void PrintTop(SimulationResult run, string label) =>
        Console.WriteLine($"{label}: launches " + string.Join(", ", run.LaunchesByType.OrderByDescending(kv => kv.Value).Take(6).Select(kv => $"{kv.Key}×{kv.Value}")));

    /// <summary>
    /// <see cref="Types"/>/<see cref="BoundPrices"/> feed the bound (one entry per type, cheapest AZ);
    /// <see cref="SimulationTypes"/>/<see cref="SimulationPrices"/> the simulator: one entry per type, or per Spot pool
    /// ("c5.large@us-east-1a") when launches pick the cheapest pool.
    /// </summary>
    private sealed record PricedTypes(List<MachineType> Types, PriceSchedule BoundPrices, List<MachineType> SimulationTypes, PriceSchedule SimulationPrices);

    /// <summary>Turns type names into capacities and price schedules for the replay window.</summary>
    private sealed class Pricing(Scenario scenario, Core.Catalog.InstanceCatalog catalog, bool spot, long windowSeconds, IReadOnlyList<string> ceZones)
    {
        private readonly SpotMarket _market = new(scenario.Seed, scenario.Region, scenario.AvailabilityZones ?? Ec2Data.Default.DefaultZones(scenario.Region), []);

        /// <summary>The AZs the CE launches in (its subnets'); empty = all of the region's.</summary>
        private bool Launches(string zone) => ceZones.Count == 0 || ceZones.Contains(zone, StringComparer.Ordinal);

        /// <param name="names">Instance types.</param>
        /// <param name="cheapestPool">Spot launches go to the cheapest pool (type × AZ) at launch, as SPOT_PRICE_CAPACITY_OPTIMIZED
        /// leans to (capacity ignored); otherwise they pay the mean over AZs (SPOT_CAPACITY_OPTIMIZED ignores price).</param>
        /// <param name="memoryShare">Share of each type's memory a job can reserve (1 = all of it; ECS keeps some).</param>
        /// <param name="boundMeanOverZones">Bound prices = the mean over AZs instead of the lowest AZ (a diagnostic, not a bound).</param>
        public PricedTypes Price(IEnumerable<string> names, bool cheapestPool, double memoryShare = 1.0, bool boundMeanOverZones = false)
        {
            var types = new List<MachineType>();
            var simulationTypes = new List<MachineType>();
            var simulation = new List<IReadOnlyList<(long, double)>>();
            var bound = new List<IReadOnlyList<(long, double)>>();
            foreach (var name in names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (!catalog.TryGet(name, out var spec) || catalog.OnDemandPrice(name, scenario.Region) is not { } od)
                {
                    continue; // unknown or unpriced: the replay cannot cost it
                }

                if (spot)
                {
                    var series = SpotSeries(name);
                    if (series.Count == 0)
                    {
                        continue;
                    }

                    bound.Add(Combine(series, mean: boundMeanOverZones));
                    if (cheapestPool)
                    {
                        foreach (var (zone, changes) in series)
                        {
                            simulationTypes.Add(new MachineType($"{name}@{zone}", spec.Vcpus, spec.MemoryMib * memoryShare / 1024.0, spec.Gpus));
                            simulation.Add(changes);
                        }
                    }
                    else
                    {
                        simulationTypes.Add(new MachineType(name, spec.Vcpus, spec.MemoryMib * memoryShare / 1024.0, spec.Gpus));
                        simulation.Add(Combine(series, mean: true));
                    }
                }
                else
                {
                    simulationTypes.Add(new MachineType(name, spec.Vcpus, spec.MemoryMib * memoryShare / 1024.0, spec.Gpus));
                    simulation.Add([(0L, (double)od.UsdPerHour)]);
                    bound.Add([(0L, (double)od.UsdPerHour)]);
                }

                types.Add(new MachineType(name, spec.Vcpus, spec.MemoryMib * memoryShare / 1024.0, spec.Gpus));
            }

            if (types.Count == 0)
            {
                throw new InvalidOperationException("None of the instance types has a price.");
            }

            return new PricedTypes(types, PriceSchedule.FromChanges(bound), simulationTypes, PriceSchedule.FromChanges(simulation));
        }

        /// <summary>Every Spot-capable catalog type's pools over [from, to), as the harvest would store them (for the rule's offers).</summary>
        public List<SpotPriceSeries> SpotPriceSeries(string account, long fromMs, long toMs)
        {
            var result = new List<SpotPriceSeries>();
            foreach (var t in catalog.All.Where(t => t.SupportsSpot && t.CurrentGeneration).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                foreach (var zone in _market.Zones)
                {
                    var pool = _market.PoolOf(zone, t.Name);
                    if (pool < 0)
                    {
                        continue;
                    }

                    var points = _market.History(pool, fromMs, toMs, long.MinValue)
                        .Select(c => new SpotPricePoint(c.TimestampMs, c.Price)).ToList();
                    if (points.Count > 0)
                    {
                        result.Add(new SpotPriceSeries(account, scenario.Region, zone, t.Name, points));
                    }
                }
            }

            return result;
        }

        /// <summary>The type's Spot price changes per AZ over the window, in seconds from the origin (the one in effect at 0 first).</summary>
        private List<(string Zone, (long At, double Price)[] Changes)> SpotSeries(string type)
        {
            var startMs = Origin.ToUnixTimeMilliseconds();
            var result = new List<(string, (long, double)[])>();
            foreach (var zone in _market.Zones.Where(Launches))
            {
                var pool = _market.PoolOf(zone, type);
                if (pool < 0)
                {
                    continue;
                }

                var changes = _market.History(pool, startMs, startMs + (windowSeconds * 1000) + (24 * 3600 * 1000L), long.MinValue)
                    .Select(c => (Math.Max(0, (c.TimestampMs - startMs) / 1000), (double)c.Price))
                    .ToArray();
                if (changes.Length > 0)
                {
                    result.Add((zone, changes));
                }
            }

            return result;
        }

        /// <summary>Pointwise mean (what launches spread over AZs pay) or minimum (the cheapest AZ, for the bound) of step functions.</summary>
        private static List<(long, double)> Combine(List<(string Zone, (long At, double Price)[] Changes)> series, bool mean)
        {
            var zones = series.Select(s => s.Changes).ToList();
            var times = zones.SelectMany(z => z.Select(c => c.At)).Distinct().Order().ToList();
            var result = new List<(long, double)>(times.Count);
            var index = new int[zones.Count];
            foreach (var t in times)
            {
                var sum = 0.0;
                var min = double.PositiveInfinity;
                for (var z = 0; z < zones.Count; z++)
                {
                    while (index[z] + 1 < zones[z].Length && zones[z][index[z] + 1].At <= t)
                    {
                        index[z]++;
                    }

                    sum += zones[z][index[z]].Price;
                    min = Math.Min(min, zones[z][index[z]].Price);
                }

                result.Add((t, mean ? sum / zones.Count : min));
            }

            return result;
        }
    }
}
