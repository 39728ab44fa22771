namespace BatchInsights.Core.Recommendations;

/// <summary>An instance type the simulator may launch, with its hourly price under the CE's purchasing option.</summary>
public sealed record PricedType(string InstanceType, double Vcpus, double MemoryMib, int Gpus, decimal UsdPerHour);

/// <summary>
/// The outcome of packing a job set onto a type set: cost over the window, instance-hours, reserved vs provisioned
/// (packing efficiency), instances used by type, and the job shapes no type could hold.
/// </summary>
public sealed record PackingResult(
    decimal CostUsd,
    double InstanceHours,
    double VcpuEfficiency,
    double MemoryEfficiency,
    IReadOnlyDictionary<string, double> InstanceHoursByType,
    IReadOnlyList<JobShape> Unplaced);

/// <summary>A distinct job request (per node): vCPU, memory MiB, GPUs.</summary>
public readonly record struct JobShape(double Vcpus, long MemoryMib, int Gpus);

/// <summary>
/// Packs observed jobs onto instance types, slice by slice: in each time slice, the jobs running (time-weighted, rounded
/// up per shape) are packed first-fit-decreasing; a new instance is the type with the lowest price per unit of the
/// remaining work it can hold. An instance count that grows between slices pays boot and idle scale-down time
/// (billed minutes that run no job). Pure and deterministic.
/// </summary>
public static class SlicePacking
{
    /// <summary>
    /// Share of an instance's memory a job can reserve: the ECS agent and OS keep the rest (an m5.large's 8 GiB
    /// registers about 7.5 GiB with ECS). An approximation, stated in the assumptions.
    /// </summary>
    public const double UsableMemoryShare = 0.94;

    public static TimeSpan SliceLength(long fromMs, long toMs)
    {
        // 5-minute slices, coarser for long windows so a run stays within ~4,000 slices.
        var minutes = Math.Max(5.0, Math.Ceiling((toMs - fromMs) / 60_000.0 / 4_000.0));
        return TimeSpan.FromMinutes(minutes);
    }

    /// <summary>Distinct shapes and, per slice, how many of each ran (time-weighted, rounded up). Build once, simulate many type sets.</summary>
    public static SliceDemand BuildDemand(IEnumerable<ObservedJob> jobs, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var slice = (long)SliceLength(fromMs, toMs).TotalMilliseconds;
        var count = (int)Math.Max(1, (toMs - fromMs + slice - 1) / slice);
        var shapes = new List<JobShape>();
        var index = new Dictionary<JobShape, int>();
        var perSlice = new Dictionary<int, double>[count];
        double vcpuHours = 0, memoryMibHours = 0;
        foreach (var job in jobs)
        {
            var start = Math.Max(job.StartedAtMs, fromMs);
            var end = Math.Min(job.StoppedAtMs, toMs);
            if (end <= start)
            {
                continue;
            }

            var shape = new JobShape(job.Vcpus, job.MemoryMib, job.Gpus);
            if (!index.TryGetValue(shape, out var s))
            {
                s = shapes.Count;
                shapes.Add(shape);
                index[shape] = s;
            }

            vcpuHours += job.Vcpus * job.Nodes * (end - start) / 3_600_000.0;
            memoryMibHours += job.MemoryMib * (double)job.Nodes * (end - start) / 3_600_000.0;
            for (var i = (int)((start - fromMs) / slice); i < count && fromMs + (i * slice) < end; i++)
            {
                var sliceStart = fromMs + (i * slice);
                var overlap = Math.Min(end, sliceStart + slice) - Math.Max(start, sliceStart);
                var map = perSlice[i] ??= [];
                map[s] = map.GetValueOrDefault(s) + (job.Nodes * (double)overlap / slice);
            }
        }

        var counts = perSlice.Select(m => m is null
            ? Array.Empty<(int Shape, int Count)>()
            : m.Where(kv => kv.Value > 1e-9).Select(kv => (kv.Key, (int)Math.Ceiling(kv.Value - 1e-9))).ToArray()).ToArray();
        return new SliceDemand(shapes, counts, slice / 3_600_000.0, vcpuHours, memoryMibHours);
    }

    public static PackingResult Simulate(SliceDemand demand, IReadOnlyList<PricedType> types, RecommendationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(demand);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(settings);
        var shapes = demand.Shapes;
        var fits = shapes.Select(s => types.Where(t => Fits(s, t)).ToArray()).ToArray();
        var unplaced = shapes.Where((_, i) => fits[i].Length == 0).ToList();
        // FFD order: largest dominant share of the largest type first.
        var maxV = types.Count == 0 ? 1 : types.Max(t => t.Vcpus);
        var maxM = types.Count == 0 ? 1 : types.Max(t => t.MemoryMib);
        var order = Enumerable.Range(0, shapes.Count).Where(i => fits[i].Length > 0)
            .OrderByDescending(i => shapes[i].Gpus).ThenByDescending(i => Math.Max(shapes[i].Vcpus / maxV, shapes[i].MemoryMib / maxM)).ToArray();
        // Weight of a job = its cost at the cheapest $/vCPU and $/GiB of the set (aws-facts "A valid lower bound", B0):
        // a new instance is the type with the lowest price per unit of weight it can hold.
        var a = types.Count == 0 ? 0 : types.Min(t => (double)t.UsdPerHour / Math.Max(t.Vcpus, 1e-9));
        var b = types.Count == 0 ? 0 : types.Min(t => (double)t.UsdPerHour / Math.Max(t.MemoryMib * UsableMemoryShare, 1e-9));
        var weight = shapes.Select(s => Math.Max(s.Vcpus * a, s.MemoryMib * b)).ToArray();

        var overheadHours = (settings.InstanceBootMinutes + settings.ScaleDownIdleMinutes) / 60.0;
        var previous = new Dictionary<string, int>(StringComparer.Ordinal);
        var hoursByType = new Dictionary<string, double>(StringComparer.Ordinal);
        double cost = 0, instanceHours = 0, provisionedVcpuHours = 0, provisionedMemHours = 0;
        var remaining = new int[shapes.Count];
        var rank = new int[shapes.Count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var byName = types.GroupBy(t => t.InstanceType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var takes = new int[Math.Max(1, fits.Max(f => (int?)f.Length) ?? 0)][];
        for (var c = 0; c < takes.Length; c++)
        {
            takes[c] = new int[shapes.Count];
        }

        var local = new List<int>();
        foreach (var slice in demand.Slices)
        {
            var left = 0;
            local.Clear();
            foreach (var (s, c) in slice)
            {
                if (fits[s].Length > 0)
                {
                    remaining[s] = c;
                    left += c;
                    local.Add(s);
                }
            }

            // FFD order restricted to the shapes of this slice: the others have nothing remaining, so Fill skips them anyway.
            local.Sort((x, y) => rank[x].CompareTo(rank[y]));
            var sliceOrder = local.ToArray();
            var current = new Dictionary<string, int>(StringComparer.Ordinal);
            var firstAt = 0;
            while (left > 0)
            {
                while (remaining[sliceOrder[firstAt]] == 0)
                {
                    firstAt++;
                }

                var candidates = fits[sliceOrder[firstAt]];
                var best = -1;
                var bestScore = double.MaxValue;
                for (var c = 0; c < candidates.Length; c++)
                {
                    var held = Fill(candidates[c], sliceOrder, remaining, shapes, weight, takes[c]);
                    var score = (double)candidates[c].UsdPerHour / Math.Max(held, 1e-12);
                    if (score < bestScore - 1e-12)
                    {
                        bestScore = score;
                        best = c;
                    }
                }

                // The same instance is chosen again, with the same contents, as long as every candidate's fill stays within
                // what remains (then no fill, score or first shape changes): launch all those copies at once. Exact, and it
                // turns thousands of identical decisions in a busy slice into one.
                var pattern = takes[best];
                var repeat = int.MaxValue;
                var placedOnce = 0;
                foreach (var i in sliceOrder)
                {
                    if (pattern[i] == 0)
                    {
                        continue;
                    }

                    placedOnce += pattern[i];
                    for (var c = 0; c < candidates.Length; c++)
                    {
                        repeat = Math.Min(repeat, (remaining[i] - takes[c][i]) / pattern[i]);
                    }
                }

                if (placedOnce == 0)
                {
                    // Cannot happen for a type chosen from fits[first], but never loop forever on a rounding edge.
                    throw new InvalidOperationException($"Packing made no progress on {candidates[best].InstanceType}.");
                }

                var copies = Math.Max(0, repeat) + 1;
                foreach (var i in sliceOrder)
                {
                    remaining[i] -= copies * pattern[i];
                }

                left -= copies * placedOnce;
                current[candidates[best].InstanceType] = current.GetValueOrDefault(candidates[best].InstanceType) + copies;
            }

            foreach (var (type, n) in current)
            {
                var t = byName[type];
                var launched = Math.Max(0, n - previous.GetValueOrDefault(type));
                var hours = (n * demand.SliceHours) + (launched * overheadHours);
                cost += (double)t.UsdPerHour * hours;
                instanceHours += hours;
                hoursByType[type] = hoursByType.GetValueOrDefault(type) + hours;
                provisionedVcpuHours += t.Vcpus * hours;
                provisionedMemHours += t.MemoryMib * hours;
            }

            previous = current;
        }

        return new PackingResult(
            decimal.Round((decimal)cost, 6),
            instanceHours,
            provisionedVcpuHours > 0 ? Math.Min(1, demand.VcpuHours / provisionedVcpuHours) : 0,
            provisionedMemHours > 0 ? Math.Min(1, demand.MemoryMibHours / provisionedMemHours) : 0,
            hoursByType,
            unplaced);
    }

    public static bool Fits(JobShape shape, PricedType type) =>
        shape.Vcpus <= type.Vcpus + 1e-9 && shape.MemoryMib <= type.MemoryMib * UsableMemoryShare && shape.Gpus <= type.Gpus
        // GPU jobs only on GPU types; CPU jobs are not packed onto GPU types (they would hold a GPU host).
        && (shape.Gpus > 0) == (type.Gpus > 0);

    /// <summary>
    /// Weight of the jobs one fresh instance of <paramref name="t"/> would hold (FFD over the remaining counts); how many of
    /// each shape it takes goes to <paramref name="takes"/> (set for every shape of <paramref name="order"/>).
    /// </summary>
    private static double Fill(PricedType t, int[] order, int[] remaining, IReadOnlyList<JobShape> shapes, double[] weight, int[] takes)
    {
        double v = t.Vcpus, m = t.MemoryMib * UsableMemoryShare, g = t.Gpus, held = 0;
        foreach (var i in order)
        {
            takes[i] = 0;
            if (remaining[i] == 0)
            {
                continue;
            }

            var s = shapes[i];
            var k = remaining[i];
            if (s.Vcpus > 0)
            {
                k = Math.Min(k, (int)Math.Floor((v + 1e-9) / s.Vcpus));
            }

            if (s.MemoryMib > 0)
            {
                k = Math.Min(k, (int)Math.Floor((m + 1e-9) / s.MemoryMib));
            }

            if (s.Gpus > 0)
            {
                k = Math.Min(k, (int)Math.Floor(g / s.Gpus));
            }

            if (k <= 0)
            {
                continue;
            }

            v -= k * s.Vcpus;
            m -= k * s.MemoryMib;
            g -= k * s.Gpus;
            held += k * weight[i];
            takes[i] = k;
        }

        return held;
    }
}

/// <summary>Per-slice job counts by shape (see <see cref="SlicePacking.BuildDemand"/>), plus requested vCPU-hours and MiB-hours.</summary>
public sealed record SliceDemand(
    IReadOnlyList<JobShape> Shapes,
    IReadOnlyList<(int Shape, int Count)[]> Slices,
    double SliceHours,
    double VcpuHours,
    double MemoryMibHours);
