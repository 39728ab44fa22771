using BatchInsights.Core.Recommendations.Simulation;

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
/// up per shape) wait together and are covered by <see cref="LaunchCover"/> (the launch decision the event replay
/// <see cref="PackingSimulator"/> shares): first-fit-decreasing, each new instance the type with the lowest price per
/// unit of the remaining work it can hold. An instance count that grows between slices pays boot and idle scale-down time
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
        var typeList = types.ToArray();
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

        // Instances per type in this slice and the previous one, and the types of this slice in the order first chosen.
        var current = new int[typeList.Length];
        var previous = new int[typeList.Length];
        var chosenOrder = new List<int>();
        var previousOrder = new List<int>();
        var local = new List<int>();
        var sliceOrder = new int[shapes.Count];
        var cover = new LaunchCover(shapeV, shapeM, shapeG, typeV, typeM, typeG, fits);
        LaunchSink launch = (chosen, copies, _) =>
        {
            if (current[chosen] == 0)
            {
                chosenOrder.Add(chosen);
            }

            current[chosen] += copies;
        };

        foreach (var slice in demand.Slices)
        {
            local.Clear();
            foreach (var (s, c) in slice)
            {
                if (fits[s].Length > 0)
                {
                    remaining[s] = c;
                    local.Add(s);
                }
            }

            // FFD order restricted to the shapes of this slice: the others have nothing remaining, so Fill skips them anyway.
            local.Sort((x, y) => rank[x].CompareTo(rank[y]));
            local.CopyTo(sliceOrder);
            foreach (var t in previousOrder)
            {
                previous[t] = 0;
            }

            (current, previous) = (previous, current);
            (chosenOrder, previousOrder) = (previousOrder, chosenOrder);
            chosenOrder.Clear();
            // Every job of the slice waits together: the shared launch decision covers them.
            cover.Cover(sliceOrder, local.Count, remaining, typePrice, weight, launch);

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
