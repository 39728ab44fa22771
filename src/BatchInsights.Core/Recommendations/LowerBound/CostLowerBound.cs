using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Core.Recommendations.LowerBound;

/// <summary>
/// The bound of one slice: its average concurrent demand, the LP optimum in USD per hour, and the fractional mix of types
/// (indexes into the type list) that reaches it — evidence of which shapes the workload wants.
/// </summary>
public sealed record SliceBound(long StartSecond, double Vcpus, double MemoryGib, double Gpus, double UsdPerHour, IReadOnlyList<(int Type, double Count)> Mix);

/// <summary>
/// Lower bounds on what any placement of <paramref name="Jobs"/> (at their given times) on the allowed types costs.
/// <see cref="BoundUsd"/> = Σ_t LP_t·Δt; <see cref="B0Usd"/> = max(a·V, b·M), weaker (B0 ≤ Bound ≤ any real cost).
/// Infinite when some slice asks for a resource no allowed type has.
/// </summary>
public sealed record LowerBoundResult(
    double BoundUsd,
    double B0Usd,
    double VcpuHours,
    double MemoryGibHours,
    double GpuHours,
    long SliceSeconds,
    IReadOnlyList<SliceBound> Slices);

/// <summary>
/// A valid lower bound for the cost of a known set of jobs (aws-facts.md, "A valid lower bound for the cost of a known
/// set of jobs"): per time slice t of Δt seconds, the average concurrent demand (V_t vCPU, M_t GiB, G_t GPUs) and
/// <c>LP_t = min Σ pᵢ(t)·xᵢ  s.t.  Σ cᵢxᵢ ≥ V_t,  Σ mᵢxᵢ ≥ M_t,  Σ gᵢxᵢ ≥ G_t,  x ≥ 0</c>, Bound = Σ_t LP_t·Δt.
/// <para>
/// Why it is valid: in any real run, the instances alive during slice t hold, at every instant, at least the resources
/// of the jobs running then. Integrating over the slice, their instance-seconds per type (divided by Δt) are a feasible
/// x for LP_t, and they cost at least pᵢ(t) per hour each, where pᵢ(t) is the lowest price of type i at any moment of
/// the slice (<see cref="PriceSchedule.MinPrice"/>). So each slice costs at least LP_t·Δt.
/// </para>
/// <para>
/// Why Σⱼ max(a·vⱼhⱼ, b·mⱼhⱼ) (a per-job maximum of cheapest-$/vCPU and cheapest-$/GiB costs) is NOT a lower bound:
/// take one type with 1 vCPU, 1 GiB at $1/h and two 1-hour jobs, (1 vCPU, 0 GiB) and (0 vCPU, 1 GiB). The per-job sum
/// is $2, yet both jobs share one instance for $1. It over-estimates whenever CPU-heavy and memory-heavy jobs can share
/// a host, which is exactly what packing exploits, so savings "versus" it would be overstated. (Unit test:
/// CostLowerBoundTests.PerJobMaximum_CpuAndMemoryJobsSharingAHost_ExceedsTheRealOptimum.)
/// </para>
/// <para>
/// What the bound ignores, which explains the gap to any real policy: boot and image-pull time (billed), the 60-s
/// minimum billing, the idle scale-down delay, the ECS agent's memory reserve, that a running job cannot move (time
/// fragmentation), that a job must fit on one instance (a 200 GiB job can be "covered" by slices of small instances —
/// the fit-aware class LP of aws-facts.md would fix that, not done here), and Spot interruption re-work.
/// </para>
/// </summary>
public static class CostLowerBound
{
    public const long DefaultSliceSeconds = 60;

    public static LowerBoundResult Compute(
        IReadOnlyList<WorkloadJob> jobs,
        IReadOnlyList<MachineType> types,
        PriceSchedule prices,
        long sliceSeconds = DefaultSliceSeconds)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceSeconds, 1);
        if (prices.TypeCount != types.Count)
        {
            throw new ArgumentException("The price schedule must have one entry per type.", nameof(prices));
        }

        if (types.Count == 0)
        {
            throw new ArgumentException("At least one instance type is needed.", nameof(types));
        }

        var active = jobs.Where(j => j.DurationSeconds > 0).ToList();
        if (active.Count == 0)
        {
            return new LowerBoundResult(0, 0, 0, 0, 0, sliceSeconds, []);
        }

        var first = FloorDiv(active.Min(j => j.StartSecond), sliceSeconds);
        var last = FloorDiv(active.Max(j => j.EndSecond) - 1, sliceSeconds);
        var count = checked((int)(last - first + 1));
        var demand = SliceDemand(active, first, count, sliceSeconds);

        var slices = new List<SliceBound>(count);
        var bound = 0.0;
        var minPerVcpu = double.PositiveInfinity;
        var minPerGib = double.PositiveInfinity;
        double[]? previousPrices = null;
        SliceLp? lp = null;
        for (var s = 0; s < count; s++)
        {
            var start = (first + s) * sliceSeconds;
            var slicePrices = SlicePrices(prices, types.Count, start, sliceSeconds);

            // Reuse the pruned frontier while no price changes (always, for On-Demand).
            if (lp is null || !slicePrices.AsSpan().SequenceEqual(previousPrices))
            {
                lp = new SliceLp(types, slicePrices);
                previousPrices = slicePrices;
                for (var i = 0; i < types.Count; i++)
                {
                    if (types[i].Vcpus > 0)
                    {
                        minPerVcpu = Math.Min(minPerVcpu, slicePrices[i] / types[i].Vcpus);
                    }

                    if (types[i].MemoryGib > 0)
                    {
                        minPerGib = Math.Min(minPerGib, slicePrices[i] / types[i].MemoryGib);
                    }
                }
            }

            var (v, m, g) = demand[s];
            var solution = lp.Solve(v, m, g);
            slices.Add(new SliceBound(start, v, m, g, solution.UsdPerHour, solution.Mix));
            bound += solution.UsdPerHour * sliceSeconds / 3600.0;
        }

        var hours = sliceSeconds / 3600.0;
        var vcpuHours = demand.Sum(d => d.V) * hours;
        var gibHours = demand.Sum(d => d.M) * hours;
        var gpuHours = demand.Sum(d => d.G) * hours;
        // B0 with the lowest $/vCPU-h and $/GiB-h seen in any slice: valid for time-varying prices too.
        var b0 = Math.Max(Times(minPerVcpu, vcpuHours), Times(minPerGib, gibHours));
        return new LowerBoundResult(bound, b0, vcpuHours, gibHours, gpuHours, sliceSeconds, slices);
    }

    /// <summary>Average concurrent demand per slice: resource-seconds inside the slice divided by its length.</summary>
    internal static (double V, double M, double G)[] SliceDemand(List<WorkloadJob> jobs, long first, int count, long sliceSeconds)
    {
        var resourceSeconds = new (double V, double M, double G)[count];
        // Whole slices a job covers go through a difference array of rates, so a 24-h job costs O(1), not 1,440 steps.
        var rateDelta = new (double V, double M, double G)[count + 1];
        foreach (var job in jobs)
        {
            var s0 = (int)(FloorDiv(job.StartSecond, sliceSeconds) - first);
            var s1 = (int)(FloorDiv(job.EndSecond - 1, sliceSeconds) - first);
            void Add(int s, long seconds)
            {
                resourceSeconds[s].V += job.Vcpus * seconds;
                resourceSeconds[s].M += job.MemoryGib * seconds;
                resourceSeconds[s].G += job.Gpus * (double)seconds;
            }

            if (s0 == s1)
            {
                Add(s0, job.DurationSeconds);
                continue;
            }

            Add(s0, ((first + s0 + 1) * sliceSeconds) - job.StartSecond);
            Add(s1, job.EndSecond - ((first + s1) * sliceSeconds));
            if (s1 > s0 + 1)
            {
                rateDelta[s0 + 1].V += job.Vcpus;
                rateDelta[s0 + 1].M += job.MemoryGib;
                rateDelta[s0 + 1].G += job.Gpus;
                rateDelta[s1].V -= job.Vcpus;
                rateDelta[s1].M -= job.MemoryGib;
                rateDelta[s1].G -= job.Gpus;
            }
        }

        var result = new (double V, double M, double G)[count];
        (double V, double M, double G) rate = (0, 0, 0);
        for (var s = 0; s < count; s++)
        {
            rate = (rate.V + rateDelta[s].V, rate.M + rateDelta[s].M, rate.G + rateDelta[s].G);
            // Clamp float residue of the running sum so an empty slice costs exactly nothing.
            result[s] = (
                Math.Max(0, (resourceSeconds[s].V / sliceSeconds) + Clean(rate.V)),
                Math.Max(0, (resourceSeconds[s].M / sliceSeconds) + Clean(rate.M)),
                Math.Max(0, (resourceSeconds[s].G / sliceSeconds) + Clean(rate.G)));
        }

        return result;
    }

    private static double Clean(double x) => Math.Abs(x) < 1e-9 ? 0 : x;

    private static double Times(double price, double quantity) => quantity <= 0 ? 0 : price * quantity;

    /// <summary>Each type's lowest price during the slice [start, start + sliceSeconds) (a lower bound on what it costs then).</summary>
    internal static double[] SlicePrices(PriceSchedule prices, int typeCount, long start, long sliceSeconds)
    {
        var slicePrices = new double[typeCount];
        for (var i = 0; i < typeCount; i++)
        {
            slicePrices[i] = prices.MinPrice(i, start, start + sliceSeconds);
        }

        return slicePrices;
    }

    internal static long FloorDiv(long a, long b) => (a / b) - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}
