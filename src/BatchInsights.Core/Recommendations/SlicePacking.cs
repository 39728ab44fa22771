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
    IReadOnlyList<JobShape> Unplaced)
{
    /// <summary>The cost of the instance-hours the slices hold (USD), without boot and idle scale-down.</summary>
    public double SliceUsd { get; init; }

    /// <summary>USD per hour of boot + idle overhead: the price of every launch summed (the cost grows linearly with the overhead).</summary>
    public double LaunchUsdPerOverheadHour { get; init; }

    /// <summary>
    /// The cost with other boot/idle minutes: packing decisions do not depend on them (they only price launches), so
    /// one simulation gives the cost for any overhead.
    /// </summary>
    public decimal CostWithOverhead(RecommendationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var overheadHours = (settings.InstanceBootMinutes + settings.ScaleDownIdleMinutes) / 60.0;
        return decimal.Round((decimal)(SliceUsd + (LaunchUsdPerOverheadHour * overheadHours)), 6);
    }
}

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
        // Time-weighted counts per (slice, shape), grown as shapes appear: a flat array per shape keeps a million jobs
        // (several slices each) off dictionaries.
        var weights = new List<double[]>();
        var shapeVcpuHours = new List<double>();
        var shapeMemoryMibHours = new List<double>();
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
                weights.Add(new double[count]);
                shapeVcpuHours.Add(0);
                shapeMemoryMibHours.Add(0);
            }

            var v = job.Vcpus * job.Nodes * (end - start) / 3_600_000.0;
            var m = job.MemoryMib * (double)job.Nodes * (end - start) / 3_600_000.0;
            vcpuHours += v;
            memoryMibHours += m;
            shapeVcpuHours[s] += v;
            shapeMemoryMibHours[s] += m;
            var w = weights[s];
            for (var i = (int)((start - fromMs) / slice); i < count && fromMs + (i * slice) < end; i++)
            {
                var sliceStart = fromMs + (i * slice);
                var overlap = Math.Min(end, sliceStart + slice) - Math.Max(start, sliceStart);
                w[i] += job.Nodes * (double)overlap / slice;
            }
        }

        var counts = new (int Shape, int Count)[count][];
        var row = new List<(int, int)>();
        for (var i = 0; i < count; i++)
        {
            row.Clear();
            for (var s = 0; s < shapes.Count; s++)
            {
                if (weights[s][i] > 1e-9)
                {
                    row.Add((s, (int)Math.Ceiling(weights[s][i] - 1e-9)));
                }
            }

            counts[i] = row.Count == 0 ? [] : row.ToArray();
        }

        return new SliceDemand(shapes, counts, slice / 3_600_000.0, vcpuHours, memoryMibHours)
        {
            ShapeVcpuHours = shapeVcpuHours,
            ShapeMemoryMibHours = shapeMemoryMibHours,
        };
    }

    public static PackingResult Simulate(SliceDemand demand, IReadOnlyList<PricedType> types, RecommendationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(demand);
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(settings);
        var shapes = demand.Shapes;
        // Flat arrays (shape and type fields by index): the inner loops below run millions of times on a big account.
        // Of types with the same capacity (c6a.large, c5a.large, c6i.large…) only the cheapest (the first on a tie) can win a
        // launch: its fill is the same and its price per unit held lower. Leaving the others out (and keeping the given order,
        // which breaks ties between equal scores) changes no decision.
        var typeList = types.Select((t, i) => (Type: t, Index: i)).GroupBy(x => (x.Type.Vcpus, x.Type.MemoryMib, x.Type.Gpus))
            .Select(g => g.MinBy(x => x.Type.UsdPerHour)).OrderBy(x => x.Index).Select(x => x.Type).ToArray();
        var fits = shapes.Select(s => Enumerable.Range(0, typeList.Length).Where(t => Fits(s, typeList[t])).ToArray()).ToArray();
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
        var shapeV = shapes.Select(s => s.Vcpus).ToArray();
        var shapeM = shapes.Select(s => (double)s.MemoryMib).ToArray();
        var shapeG = shapes.Select(s => s.Gpus).ToArray();
        var typeV = typeList.Select(t => t.Vcpus).ToArray();
        var typeM = typeList.Select(t => t.MemoryMib * UsableMemoryShare).ToArray();
        var typeG = typeList.Select(t => t.Gpus).ToArray();
        var typePrice = typeList.Select(t => (double)t.UsdPerHour).ToArray();

        var overheadHours = (settings.InstanceBootMinutes + settings.ScaleDownIdleMinutes) / 60.0;
        var hoursByType = new Dictionary<string, double>(StringComparer.Ordinal);
        double cost = 0, instanceHours = 0, provisionedVcpuHours = 0, provisionedMemHours = 0, sliceUsd = 0, launchUsd = 0;
        var remaining = new int[shapes.Count];
        var rank = new int[shapes.Count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var takes = new int[Math.Max(1, fits.Max(f => (int?)f.Length) ?? 0)][];
        for (var c = 0; c < takes.Length; c++)
        {
            takes[c] = new int[shapes.Count];
        }

        // Instances per type in this slice and the previous one, and the types of this slice in the order first chosen.
        var current = new int[typeList.Length];
        var previous = new int[typeList.Length];
        var chosenOrder = new List<int>();
        var previousOrder = new List<int>();
        var local = new List<int>();
        var sliceOrder = new int[shapes.Count];
        var suffixMinV = new double[shapes.Count];
        var suffixMinM = new double[shapes.Count];
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
            var n = local.Count;
            local.CopyTo(sliceOrder);
            // Smallest vCPU and memory request from each position on: a fill stops once nothing after it can fit.
            double minV = double.MaxValue, minM = double.MaxValue;
            for (var k = n - 1; k >= 0; k--)
            {
                minV = Math.Min(minV, shapeV[sliceOrder[k]]);
                minM = Math.Min(minM, shapeM[sliceOrder[k]]);
                suffixMinV[k] = minV;
                suffixMinM[k] = minM;
            }

            foreach (var t in previousOrder)
            {
                previous[t] = 0;
            }

            (current, previous) = (previous, current);
            (chosenOrder, previousOrder) = (previousOrder, chosenOrder);
            chosenOrder.Clear();
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
                    var t = candidates[c];
                    var held = Fill(typeV[t], typeM[t], typeG[t], sliceOrder, firstAt, n, remaining, shapeV, shapeM, shapeG, weight, takes[c], suffixMinV, suffixMinM);
                    var score = typePrice[t] / Math.Max(held, 1e-12);
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
                for (var k = firstAt; k < n; k++)
                {
                    var i = sliceOrder[k];
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
                    throw new InvalidOperationException($"Packing made no progress on {typeList[candidates[best]].InstanceType}.");
                }

                var copies = Math.Max(0, repeat) + 1;
                for (var k = firstAt; k < n; k++)
                {
                    var i = sliceOrder[k];
                    remaining[i] -= copies * pattern[i];
                }

                left -= copies * placedOnce;
                var chosen = candidates[best];
                if (current[chosen] == 0)
                {
                    chosenOrder.Add(chosen);
                }

                current[chosen] += copies;
            }

            foreach (var ti in chosenOrder)
            {
                var t = typeList[ti];
                var count = current[ti];
                var launched = Math.Max(0, count - previous[ti]);
                var hours = (count * demand.SliceHours) + (launched * overheadHours);
                cost += typePrice[ti] * hours;
                sliceUsd += typePrice[ti] * count * demand.SliceHours;
                launchUsd += typePrice[ti] * launched;
                instanceHours += hours;
                hoursByType[t.InstanceType] = hoursByType.GetValueOrDefault(t.InstanceType) + hours;
                provisionedVcpuHours += t.Vcpus * hours;
                provisionedMemHours += t.MemoryMib * hours;
            }
        }

        return new PackingResult(
            decimal.Round((decimal)cost, 6),
            instanceHours,
            provisionedVcpuHours > 0 ? Math.Min(1, demand.VcpuHours / provisionedVcpuHours) : 0,
            provisionedMemHours > 0 ? Math.Min(1, demand.MemoryMibHours / provisionedMemHours) : 0,
            hoursByType,
            unplaced)
        {
            SliceUsd = sliceUsd,
            LaunchUsdPerOverheadHour = launchUsd,
        };
    }

    public static bool Fits(JobShape shape, PricedType type) =>
        shape.Vcpus <= type.Vcpus + 1e-9 && shape.MemoryMib <= type.MemoryMib * UsableMemoryShare && shape.Gpus <= type.Gpus
        // GPU jobs only on GPU types; CPU jobs are not packed onto GPU types (they would hold a GPU host).
        && (shape.Gpus > 0) == (type.Gpus > 0);

    /// <summary>
    /// Weight of the jobs one fresh instance (<paramref name="v"/> vCPU, <paramref name="m"/> usable MiB, <paramref name="g"/>
    /// GPUs) would hold (FFD over the remaining counts of <paramref name="order"/>[from..to)); how many of each shape it
    /// takes goes to <paramref name="takes"/> (set for every shape of that range; shapes before it have none remaining).
    /// <paramref name="suffixMinV"/>/<paramref name="suffixMinM"/>: the smallest request from each position of the order on.
    /// </summary>
    private static double Fill(double v, double m, int g, int[] order, int from, int to, int[] remaining, double[] shapeV, double[] shapeM, int[] shapeG,
        double[] weight, int[] takes, double[] suffixMinV, double[] suffixMinM)
    {
        double held = 0;
        for (var o = from; o < to; o++)
        {
            // No shape from here on fits what is left (floor(left / request) is 0 for all of them): the rest take nothing.
            if (v + 1e-9 < suffixMinV[o] || m + 1e-9 < suffixMinM[o])
            {
                for (; o < to; o++)
                {
                    takes[order[o]] = 0;
                }

                break;
            }

            var i = order[o];
            takes[i] = 0;
            var k = remaining[i];
            if (k == 0)
            {
                continue;
            }

            var sv = shapeV[i];
            var sm = shapeM[i];
            var sg = shapeG[i];
            if (sv > 0)
            {
                k = Math.Min(k, (int)Math.Floor((v + 1e-9) / sv));
            }

            if (sm > 0)
            {
                k = Math.Min(k, (int)Math.Floor((m + 1e-9) / sm));
            }

            if (sg > 0)
            {
                k = Math.Min(k, g / sg);
            }

            if (k <= 0)
            {
                continue;
            }

            v -= k * sv;
            m -= k * sm;
            g -= k * sg;
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
    double MemoryMibHours)
{
    /// <summary>Requested vCPU-hours per shape (index as <see cref="Shapes"/>); empty when built by hand.</summary>
    public IReadOnlyList<double> ShapeVcpuHours { get; init; } = [];

    /// <summary>Requested MiB-hours per shape (index as <see cref="Shapes"/>); empty when built by hand.</summary>
    public IReadOnlyList<double> ShapeMemoryMibHours { get; init; } = [];

    /// <summary>
    /// The demand of the shapes <paramref name="keep"/> selects: the same as building it from only those shapes' jobs
    /// (counts are per shape and slice), without another pass over the jobs.
    /// </summary>
    public SliceDemand Where(Func<JobShape, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var map = new int[Shapes.Count];
        var shapes = new List<JobShape>();
        double vcpuHours = 0, memoryMibHours = 0;
        var vcpuByShape = new List<double>();
        var memoryByShape = new List<double>();
        for (var s = 0; s < Shapes.Count; s++)
        {
            map[s] = -1;
            if (keep(Shapes[s]))
            {
                map[s] = shapes.Count;
                shapes.Add(Shapes[s]);
                var v = s < ShapeVcpuHours.Count ? ShapeVcpuHours[s] : 0;
                var m = s < ShapeMemoryMibHours.Count ? ShapeMemoryMibHours[s] : 0;
                vcpuByShape.Add(v);
                memoryByShape.Add(m);
                vcpuHours += v;
                memoryMibHours += m;
            }
        }

        var slices = Slices.Select(slice => slice.Where(e => map[e.Shape] >= 0).Select(e => (map[e.Shape], e.Count)).ToArray()).ToList();
        return new SliceDemand(shapes, slices, SliceHours, vcpuHours, memoryMibHours) { ShapeVcpuHours = vcpuByShape, ShapeMemoryMibHours = memoryByShape };
    }
}
