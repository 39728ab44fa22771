using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Core.Recommendations.LowerBound;

/// <summary>
/// One slice of the fit-aware bound: the plain LP (<see cref="CostLowerBound"/>), the fit-aware LP's certified value, and
/// the one used (the larger — both are valid, so their maximum is too). USD per hour.
/// </summary>
public sealed record FitAwareSlice(long StartSecond, double PlainUsdPerHour, double FitAwareUsdPerHour, double UsdPerHour);

/// <summary>
/// <see cref="BoundUsd"/> = Σ_t max(plain LP_t, fit-aware LP_t)·Δt ≥ <see cref="PlainBoundUsd"/>. <see cref="Classes"/>: job
/// classes (jobs grouped by the smallest type capacities that hold them); <see cref="TypeSets"/>: distinct "types able to
/// hold these classes" sets, each giving one covering row per resource (+ one instance-count row). Infinite when a job fits
/// no allowed type (no placement exists at all); <see cref="JobsFittingNoType"/> counts them.
/// </summary>
public sealed record FitAwareBoundResult(
    double BoundUsd,
    double PlainBoundUsd,
    int Classes,
    int TypeSets,
    int JobsFittingNoType,
    long SliceSeconds,
    IReadOnlyList<FitAwareSlice> Slices);

/// <summary>
/// The fit-aware class LP of aws-facts.md ("A valid lower bound", extension "fit-aware class LP"): the plain per-slice LP
/// lets a 4-vCPU job be "covered" by halves of a cheap 2-vCPU instance, which no real placement can do; this one cannot.
/// <para>
/// <b>Classes and type sets.</b> Per resource r (vCPU, GiB, GPUs) the levels are the distinct capacities of the allowed
/// types. A job's class is, per resource, the smallest level ≥ its request: the job can only run on a type whose capacity
/// is ≥ that level in every resource (a type's capacity IS a level, and it must be ≥ the request). For a corner q (a class's
/// level tuple, or a single-resource threshold (a,0,0)/(0,b,0)/(0,0,c), or (0,0,0)), T_q = the types with every capacity
/// ≥ q, and S_q = every class k whose own type set T_k ⊆ T_q ("jobs that can only run inside T_q").
/// </para>
/// <para>
/// <b>The LP</b> per slice t (Δt seconds; p_i(t) the lowest price of type i in the slice):
/// <c>min Σ_i p_i(t)·x_i  s.t. for every T_q and resource r:  Σ_{i∈T_q} cap_{i,r}·x_i ≥ D_{S_q,r}(t)</c>, and (count rows)
/// <c>Σ_{i∈T_q} x_i ≥ N_q(t)</c>, x ≥ 0, where D_{S,r}(t) is the average over the slice of the r-requests of the jobs of S
/// running, and N_q(t) the average over the slice of <c>max_r ⌈D_{S_q,r}(τ) / max_{i∈T_q} cap_{i,r}⌉</c> at each instant τ.
/// With T = all types (q = 0) the first rows are exactly the plain LP, so this LP's optimum is ≥ the plain one.
/// </para>
/// <para>
/// <b>Why it is valid</b> (any real placement costs at least Σ_t LP_t·Δt). Take any run: every job runs on one instance for
/// its whole duration, at the given times. Let x_i = (instance-seconds of type i alive in slice t) / Δt. At each instant τ
/// of the slice, every running job of S_q sits on an instance of a type in its own T_k ⊆ T_q, and the instances it shares
/// hold at least the sum of their jobs' requests. So the instances of T_q alive at τ have, in each resource, capacity ≥
/// D_{S_q,r}(τ); and their number is ≥ ⌈D_{S_q,r}(τ)/max cap⌉ since none holds more than the largest of T_q. Averaging
/// over the slice gives both row families for x. The slice costs at least Σ p_i(t)·x_i·Δt because each instance pays at
/// least its lowest price of the slice. Nothing else is assumed (jobs may share instances in any way, instances may live
/// across slices), so it holds for every packing policy, including boot time, idle instances and Spot.
/// Count rows are the per-slice integrality of the brief: a slice with one 4-vCPU job running throughout must pay at
/// least the cheapest type that fits it, not half of a 2-vCPU one.
/// </para>
/// <para>
/// <b>Job-count rows</b> (one more per set): <c>Σ_{i∈T_q} F_{q,i}·x_i ≥ J_q(t)</c>, J_q(t) the slice average of the number
/// of running S_q jobs that ask for anything, F_{q,i} = ⌊min_r cap_{i,r} / min_{j∈S_q} req_{j,r}⌋ over the resources all
/// of them ask for (see <see cref="JobsPerInstance"/> for mixed zero requests). Valid because an instance of type i can
/// never hold more than F_{q,i} of those jobs at once (each needs at least the smallest request), so at each instant the
/// instances alive hold them all only if Σ F·count ≥ their number.
/// This is what stops two 2-vCPU/4.25-GiB jobs sharing a 4-vCPU/8-GiB instance in the LP: F = 1 there.
/// </para>
/// <para>
/// <b>Solving.</b> <see cref="CoveringLp"/>: the simplex on the dual, whose value for any dual-feasible y is a lower bound
/// (weak duality), so floating-point rounding cannot make the reported figure exceed the true LP optimum. Types dominated
/// for every row (their type sets ⊆ another type's and no more capacity per dollar in any resource nor per instance) are
/// dropped first; the basis is reused while prices stay the same. What is still ignored (so real policies sit above):
/// boot time, idle scale-down, the 60-s minimum billing (valid only if a launch were forced — an instance may live across
/// many slices), that running jobs cannot move between instances, and Spot re-work.
/// </para>
/// </summary>
public static class FitAwareLowerBound
{
    private const double Tolerance = 1e-9;

    public static FitAwareBoundResult Compute(
        IReadOnlyList<WorkloadJob> jobs,
        IReadOnlyList<MachineType> types,
        PriceSchedule prices,
        long sliceSeconds = CostLowerBound.DefaultSliceSeconds,
        bool countRows = true)
    {
        var plain = CostLowerBound.Compute(jobs, types, prices, sliceSeconds); // validates the arguments
        var active = jobs.Where(j => j.DurationSeconds > 0).ToList();
        if (active.Count == 0)
        {
            return new FitAwareBoundResult(0, 0, 0, 0, 0, sliceSeconds, []);
        }

        var useGpus = active.Any(j => j.Gpus > 0);
        var resources = useGpus ? 3 : 2;
        var levels = Enumerable.Range(0, 3).Select(r => types.Select(t => Cap(t, r)).Distinct().Order().ToArray()).ToArray();
        var typeLevel = types.Select(t => Enumerable.Range(0, 3).Select(r => Array.BinarySearch(levels[r], Cap(t, r))).ToArray()).ToArray();

        // Classes: jobs by the level tuple they need.
        var classIndex = new Dictionary<(int V, int M, int G), int>();
        var classKeys = new List<int[]>();
        var classJobs = new List<List<WorkloadJob>>();
        var noFit = 0;
        foreach (var job in active)
        {
            var key = new[] { LevelOf(levels[0], job.Vcpus), LevelOf(levels[1], job.MemoryGib), LevelOf(levels[2], job.Gpus) };
            if (key.Any(k => k < 0) || !typeLevel.Any(tl => Covers(tl, key)))
            {
                noFit++;
                continue;
            }

            if (!classIndex.TryGetValue((key[0], key[1], key[2]), out var k))
            {
                k = classKeys.Count;
                classIndex[(key[0], key[1], key[2])] = k;
                classKeys.Add(key);
                classJobs.Add([]);
            }

            classJobs[k].Add(job);
        }

        if (noFit > 0)
        {
            var infinite = plain.Slices.Select(s => new FitAwareSlice(s.StartSecond, s.UsdPerHour, double.PositiveInfinity, double.PositiveInfinity)).ToList();
            return new FitAwareBoundResult(double.PositiveInfinity, plain.BoundUsd, classKeys.Count, 0, noFit, sliceSeconds, infinite);
        }

        // Type sets T_q for the corners, deduplicated; S_q = classes whose own set lies inside.
        var corners = new List<int[]> { new[] { 0, 0, 0 } };
        foreach (var key in classKeys)
        {
            corners.Add(key);
            corners.Add([key[0], 0, 0]);
            corners.Add([0, key[1], 0]);
            corners.Add([0, 0, key[2]]);
        }

        bool[] Members(int[] corner) => typeLevel.Select(tl => Covers(tl, corner)).ToArray();
        var classSets = classKeys.Select(Members).ToArray();
        var sets = new List<(bool[] Members, int[] Classes)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var corner in corners)
        {
            var members = Members(corner);
            if (!seen.Add(new string(members.Select(b => b ? '1' : '0').ToArray())))
            {
                continue;
            }

            var inside = Enumerable.Range(0, classKeys.Count)
                .Where(k => classSets[k].Select((m, i) => !m || members[i]).All(x => x)).ToArray();
            if (inside.Length > 0)
            {
                sets.Add((members, inside));
            }
        }

        // Rows: per set, one per resource (+ the count row); coefficients per type.
        // Per set: one row per resource, then (count rows) an instance-count row and a job-count row.
        var rowsPerSet = resources + (countRows ? 2 : 0);
        var rowCount = sets.Count * rowsPerSet;
        var a = new double[rowCount][];
        for (var g = 0; g < sets.Count; g++)
        {
            for (var r = 0; r < rowsPerSet; r++)
            {
                var perInstance = r == resources + 1 ? JobsPerInstance(sets[g].Classes.SelectMany(k => classJobs[k]).ToList(), types) : null;
                a[(g * rowsPerSet) + r] = types.Select((t, i) => !sets[g].Members[i] ? 0 : r < resources ? Cap(t, r) : r == resources ? 1.0 : perInstance![i]).ToArray();
            }
        }

        var first = CostLowerBound.FloorDiv(active.Min(j => j.StartSecond), sliceSeconds);
        var last = CostLowerBound.FloorDiv(active.Max(j => j.EndSecond) - 1, sliceSeconds);
        var count = checked((int)(last - first + 1));
        var classDemand = classJobs.Select(list => CostLowerBound.SliceDemand(list, first, count, sliceSeconds)).ToArray();
        // Average number of running jobs per class and slice (the "vCPU" of a job counted as 1).
        var classJobCount = countRows
            ? classJobs.Select(list => CostLowerBound.SliceDemand(list.Select(j => j with { Vcpus = AsksSomething(j) ? 1 : 0, MemoryGib = 0, Gpus = 0 }).ToList(), first, count, sliceSeconds)).ToArray()
            : null;
        var countDemand = countRows ? CountDemand(sets, classKeys.Count, classIndex, levels, types, resources, active, first, count, sliceSeconds) : null;

        var slices = new List<FitAwareSlice>(count);
        var bound = 0.0;
        double[]? previousPrices = null;
        CoveringLp? lp = null;
        int[] kept = [];
        var d = new double[rowCount];
        for (var s = 0; s < count; s++)
        {
            var start = (first + s) * sliceSeconds;
            var slicePrices = CostLowerBound.SlicePrices(prices, types.Count, start, sliceSeconds);

            if (lp is null || !slicePrices.AsSpan().SequenceEqual(previousPrices))
            {
                kept = Undominated(a, slicePrices);
                lp = new CoveringLp(a.Select(row => kept.Select(i => row[i]).ToArray()).ToArray(), kept.Select(i => slicePrices[i]).ToArray());
                previousPrices = slicePrices;
            }

            var any = false;
            for (var g = 0; g < sets.Count; g++)
            {
                for (var r = 0; r < rowsPerSet; r++)
                {
                    var value = 0.0;
                    if (r < resources)
                    {
                        foreach (var k in sets[g].Classes)
                        {
                            value += r switch { 0 => classDemand[k][s].V, 1 => classDemand[k][s].M, _ => classDemand[k][s].G };
                        }
                    }
                    else if (r == resources)
                    {
                        value = countDemand![s][g];
                    }
                    else
                    {
                        foreach (var k in sets[g].Classes)
                        {
                            value += classJobCount![k][s].V;
                        }
                    }

                    d[(g * rowsPerSet) + r] = value;
                    any |= value > Tolerance;
                }
            }

            var fit = any ? lp.Solve(d) : 0;
            var plainRate = plain.Slices[s].UsdPerHour;
            var used = Math.Max(plainRate, fit);
            slices.Add(new FitAwareSlice(start, plainRate, fit, used));
            bound += used * sliceSeconds / 3600.0;
        }

        return new FitAwareBoundResult(bound, plain.BoundUsd, classKeys.Count, sets.Count, 0, sliceSeconds, slices);
    }

    /// <summary>
    /// N_q per slice: the slice average of max_r ⌈D_{S_q,r}(τ)/max cap⌉ over each instant τ, by sweeping job starts/ends.
    /// </summary>
    private static double[][] CountDemand(List<(bool[] Members, int[] Classes)> sets, int classCount, Dictionary<(int V, int M, int G), int> classIndex,
        double[][] levels, IReadOnlyList<MachineType> types, int resources, List<WorkloadJob> jobs, long first, int count, long sliceSeconds)
    {
        var setsOfClass = Enumerable.Range(0, classCount).Select(_ => new List<int>()).ToArray();
        var maxCap = new double[sets.Count][];
        for (var g = 0; g < sets.Count; g++)
        {
            foreach (var k in sets[g].Classes)
            {
                setsOfClass[k].Add(g);
            }

            maxCap[g] = Enumerable.Range(0, resources).Select(r => types.Where((_, i) => sets[g].Members[i]).Max(t => Cap(t, r))).ToArray();
        }

        var events = new List<(long At, int Class, int Sign, WorkloadJob Job)>(jobs.Count * 2);
        foreach (var job in jobs)
        {
            var k = classIndex[(LevelOf(levels[0], job.Vcpus), LevelOf(levels[1], job.MemoryGib), LevelOf(levels[2], job.Gpus))];
            events.Add((job.StartSecond, k, 1, job));
            events.Add((job.EndSecond, k, -1, job));
        }

        events.Sort((x, y) => x.At.CompareTo(y.At));
        var demand = new double[sets.Count, 3];
        var result = new double[count][];
        for (var s = 0; s < count; s++)
        {
            result[s] = new double[sets.Count];
        }

        var e = 0;
        while (e < events.Count)
        {
            var at = events[e].At;
            for (; e < events.Count && events[e].At == at; e++)
            {
                var (_, k, sign, job) = events[e];
                foreach (var g in setsOfClass[k])
                {
                    demand[g, 0] += sign * job.Vcpus;
                    demand[g, 1] += sign * job.MemoryGib;
                    demand[g, 2] += sign * (double)job.Gpus;
                }
            }

            if (e == events.Count)
            {
                break;
            }

            var until = events[e].At;
            for (var g = 0; g < sets.Count; g++)
            {
                var n = 0.0;
                for (var r = 0; r < resources; r++)
                {
                    if (maxCap[g][r] > 0 && demand[g, r] > Tolerance)
                    {
                        n = Math.Max(n, Math.Ceiling((demand[g, r] / maxCap[g][r]) - Tolerance));
                    }
                }

                if (n <= 0)
                {
                    continue;
                }

                for (var t = at; t < until;)
                {
                    var s = CostLowerBound.FloorDiv(t, sliceSeconds);
                    var end = Math.Min(until, (s + 1) * sliceSeconds);
                    result[s - first][g] += n * (end - t) / sliceSeconds;
                    t = end;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Per type, at most how many of these jobs one instance can hold at once: ⌊min_r cap_r / (smallest request_r among
    /// the jobs)⌋ over the resources every job asks for; when a job asks 0 of each of them, Σ_r ⌊cap_r / smallest positive
    /// request_r⌋ (each job uses at least that much of some resource). Valid whatever mix of the jobs shares the instance.
    /// </summary>
    private static double[] JobsPerInstance(List<WorkloadJob> all, IReadOnlyList<MachineType> types)
    {
        // Jobs asking for nothing are not counted by the row (their count demand is 0), so they impose no cap here.
        var jobs = all.Where(AsksSomething).ToList();
        if (jobs.Count == 0)
        {
            return types.Select(_ => 1.0).ToArray();
        }

        var need = jobs.Select(j => new[] { j.Vcpus, j.MemoryGib, j.Gpus }).ToList();
        return types.Select(t =>
        {
            var cap = new[] { t.Vcpus, t.MemoryGib, t.Gpus };
            var most = double.PositiveInfinity;
            var sum = 0.0;
            for (var r = 0; r < 3; r++)
            {
                var positive = need.Where(n => n[r] > Tolerance).Select(n => n[r]).ToList();
                if (positive.Count == 0)
                {
                    continue;
                }

                var fit = Math.Floor((cap[r] / positive.Min()) + Tolerance);
                sum += fit;
                if (positive.Count == need.Count)
                {
                    most = Math.Min(most, fit); // every job needs ≥ this much of r
                }
            }

            // Otherwise each job needs at least the smallest positive request of some resource it asks for: at most the sum.
            return Math.Min(most, sum);
        }).ToArray();
    }

    /// <summary>
    /// Types not dominated for every row: j dominates i when each row's coefficient per dollar of j is ≥ that of i (then
    /// i's x can move to j at no extra cost and no row loses). Types in no better position than an earlier one are dropped.
    /// </summary>
    private static int[] Undominated(double[][] a, double[] prices)
    {
        var n = prices.Length;
        var order = Enumerable.Range(0, n).OrderByDescending(i => a.Sum(row => row[i]) / prices[i]).ThenBy(i => i).ToArray();
        var kept = new List<int>();
        foreach (var i in order)
        {
            var dominated = false;
            foreach (var j in kept)
            {
                var all = true;
                for (var r = 0; r < a.Length && all; r++)
                {
                    all = a[r][j] / prices[j] >= a[r][i] / prices[i];
                }

                if (all)
                {
                    dominated = true;
                    break;
                }
            }

            if (!dominated)
            {
                kept.Add(i);
            }
        }

        return [.. kept.Order()];
    }

    /// <summary>Index of the smallest level ≥ the request (a hair of tolerance for 2.0 vs 2), or −1 when none is.</summary>
    private static int LevelOf(double[] levels, double need)
    {
        for (var i = 0; i < levels.Length; i++)
        {
            if (levels[i] >= need - Tolerance)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool AsksSomething(WorkloadJob job) => job.Vcpus > Tolerance || job.MemoryGib > Tolerance || job.Gpus > 0;

    private static bool Covers(int[] typeLevel, int[] corner) => typeLevel[0] >= corner[0] && typeLevel[1] >= corner[1] && typeLevel[2] >= corner[2];

    private static double Cap(MachineType t, int r) => r switch { 0 => t.Vcpus, 1 => t.MemoryGib, _ => t.Gpus };
}
