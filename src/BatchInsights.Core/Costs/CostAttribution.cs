namespace BatchInsights.Core.Costs;

/// <summary>
/// Attribution of instance cost to job attempts. Pure: records in, records out, no I/O.
/// <para>
/// <b>The share rule.</b> An attempt running on an instance is charged its reserved fraction of that instance: the
/// <b>larger</b> of its vCPU, memory and GPU fractions (requested ÷ instance capacity), times the instance's cost while the
/// attempt ran. A memory-heavy job that reserves 75 % of the memory and 10 % of the vCPUs pays 75 %: the other jobs
/// could not use that memory. When the attempts sharing an instance at some moment reserve more than 100 % between
/// them (possible only with estimated data), their shares are scaled down to 100 % for that moment. Whatever the
/// attempts are not charged is the CE's <b>idle/unallocated</b> cost, so Σ attempt costs + Σ idle = Σ instance cost.
/// </para>
/// <para>
/// <b>Billing.</b> EC2 bills Linux instances per second with a 60-second minimum; the instance's cost is the integral of
/// the price in effect (Spot: the pool's price history; On-Demand: the catalog price) over its billed interval.
/// Costs are split at UTC hour boundaries for the roll-ups.
/// </para>
/// </summary>
public static class CostAttribution
{
    /// <summary>EC2 (and Fargate) per-second billing has a 60-second minimum.</summary>
    public const long MinimumBilledMs = 60_000;

    public const long HourMs = 3_600_000;

    private const decimal MsPerHour = HourMs;

    /// <summary>The share rule: the largest of the vCPU, memory and GPU fractions, clamped to [0, 1].</summary>
    public static decimal Share(double vcpus, long memoryMib, int gpus, Capacity capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        if (capacity.Vcpus <= 0 && capacity.MemoryMib <= 0 && capacity.Gpus <= 0)
        {
            // Capacity unknown (type not in the catalog): the attempt is charged the whole instance while it runs;
            // concurrent attempts then split it evenly through the over-subscription scaling.
            return 1m;
        }

        var share = 0m;
        if (capacity.Vcpus > 0)
        {
            share = Math.Max(share, (decimal)vcpus / (decimal)capacity.Vcpus);
        }

        if (capacity.MemoryMib > 0)
        {
            share = Math.Max(share, (decimal)memoryMib / capacity.MemoryMib);
        }

        if (capacity.Gpus > 0)
        {
            share = Math.Max(share, (decimal)gpus / capacity.Gpus);
        }

        return Math.Clamp(share, 0m, 1m);
    }

    /// <summary>The end of the billed interval: whole seconds, at least 60 s after the start.</summary>
    public static long BilledEndMs(long startMs, long endMs)
    {
        var duration = Math.Max(0, endMs - startMs);
        var seconds = (duration + 999) / 1000;
        return startMs + Math.Max(MinimumBilledMs, seconds * 1000);
    }

    /// <summary>Costs one instance-interval and the attempts that ran on it (attempts outside it are charged only for the overlap).</summary>
    public static InstanceCharge Attribute(CostInstance instance, IReadOnlyList<CostAttempt> attempts) =>
        Attribute(instance, attempts, long.MinValue, long.MaxValue);

    /// <summary>
    /// Like <see cref="Attribute(CostInstance, IReadOnlyList{CostAttempt})"/> but only for the part of the billed interval
    /// inside [<paramref name="clipStartMs"/>, <paramref name="clipEndMs"/>): the billed end (60-second minimum, whole
    /// seconds) is taken from the whole interval first, so clipped pieces of one instance add up to its unclipped cost
    /// segment by segment. A roll-up run over a day uses it to leave a long-running instance's other days alone.
    /// </summary>
    public static InstanceCharge Attribute(CostInstance instance, IReadOnlyList<CostAttempt> attempts, long clipStartMs, long clipEndMs)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(attempts);
        var start = Math.Max(instance.StartMs, clipStartMs);
        var end = Math.Min(BilledEndMs(instance.StartMs, instance.EndMs), clipEndMs);
        if (end <= start)
        {
            var none = attempts.Select(a => new AttemptCharge(a.Key, Share(a.Vcpus, a.MemoryMib, a.Gpus, instance.Capacity), 0m, new Dictionary<long, decimal>())).ToList();
            return new InstanceCharge(instance, 0m, 0m, new Dictionary<long, decimal>(), none);
        }

        var shares = attempts.Select(a => Share(a.Vcpus, a.MemoryMib, a.Gpus, instance.Capacity)).ToArray();

        var points = new SortedSet<long> { start, end };
        foreach (var p in instance.Prices)
        {
            AddInside(points, p.FromMs, start, end);
        }

        foreach (var a in attempts)
        {
            AddInside(points, a.StartMs, start, end);
            AddInside(points, a.StopMs, start, end);
        }

        for (var h = HourStart(start) + HourMs; h < end; h += HourMs)
        {
            points.Add(h);
        }

        var attemptByHour = attempts.Select(_ => new Dictionary<long, decimal>()).ToArray();
        var attemptTotal = new decimal[attempts.Count];
        var idleByHour = new Dictionary<long, decimal>();
        decimal total = 0, idle = 0;
        var ordered = points.ToArray();
        for (var i = 0; i + 1 < ordered.Length; i++)
        {
            long t0 = ordered[i], t1 = ordered[i + 1];
            var segment = PriceAt(instance.Prices, t0) * (t1 - t0) / MsPerHour;
            total += segment;
            var hour = HourStart(t0);
            decimal reserved = 0;
            for (var k = 0; k < attempts.Count; k++)
            {
                if (attempts[k].StartMs <= t0 && attempts[k].StopMs >= t1)
                {
                    reserved += shares[k];
                }
            }

            // Over-subscription (estimated data only): scale to the whole instance, never more.
            var scale = reserved > 1m ? 1m / reserved : 1m;
            var charged = 0m;
            for (var k = 0; k < attempts.Count; k++)
            {
                if (attempts[k].StartMs <= t0 && attempts[k].StopMs >= t1 && shares[k] > 0)
                {
                    var part = segment * shares[k] * scale;
                    charged += part;
                    attemptTotal[k] += part;
                    Add(attemptByHour[k], hour, part);
                }
            }

            // The remainder by subtraction keeps Σ attempts + idle == total exact.
            var rest = segment - charged;
            idle += rest;
            Add(idleByHour, hour, rest);
        }

        var charges = attempts.Select((a, k) => new AttemptCharge(a.Key, shares[k], attemptTotal[k], attemptByHour[k])).ToList();
        return new InstanceCharge(instance, total, idle, idleByHour, charges);
    }

    /// <summary>
    /// An attempt whose instance is unknown: its share of an assumed instance (capacity and prices of the estimated type)
    /// over the attempt's own run time. Nothing is idle: the rest of the assumed instance is not known to have existed.
    /// </summary>
    public static AttemptCharge EstimateAlone(CostAttempt attempt, Capacity capacity, IReadOnlyList<PriceSegment> prices)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var share = Share(attempt.Vcpus, attempt.MemoryMib, attempt.Gpus, capacity);
        var byHour = Integrate(prices, attempt.StartMs, Math.Max(attempt.StartMs, attempt.StopMs), share);
        return new AttemptCharge(attempt.Key, share, byHour.Values.Sum(), byHour);
    }

    /// <summary>A Fargate attempt: vCPU-hours and GB-hours at the Fargate rates, per second with a 60-second minimum.</summary>
    public static AttemptCharge Fargate(CostAttempt attempt, FargateRates rates)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(rates);
        var perHour = (decimal)attempt.Vcpus * rates.UsdPerVcpuHour + attempt.MemoryMib / 1024m * rates.UsdPerGbHour;
        var byHour = Integrate([new PriceSegment(long.MinValue, perHour)], attempt.StartMs, BilledEndMs(attempt.StartMs, attempt.StopMs), 1m);
        return new AttemptCharge(attempt.Key, 1m, byHour.Values.Sum(), byHour);
    }

    /// <summary>The price in effect at <paramref name="atMs"/>: the last segment starting at or before it (the first if none does).</summary>
    public static decimal PriceAt(IReadOnlyList<PriceSegment> prices, long atMs)
    {
        ArgumentNullException.ThrowIfNull(prices);
        if (prices.Count == 0)
        {
            return 0m;
        }

        var price = prices[0].UsdPerHour;
        foreach (var p in prices)
        {
            if (p.FromMs > atMs)
            {
                break;
            }

            price = p.UsdPerHour;
        }

        return price;
    }

    public static long HourStart(long ms) => ms - (((ms % HourMs) + HourMs) % HourMs);

    private static Dictionary<long, decimal> Integrate(IReadOnlyList<PriceSegment> prices, long from, long to, decimal factor)
    {
        var points = new SortedSet<long> { from, to };
        foreach (var p in prices)
        {
            AddInside(points, p.FromMs, from, to);
        }

        for (var h = HourStart(from) + HourMs; h < to; h += HourMs)
        {
            points.Add(h);
        }

        var byHour = new Dictionary<long, decimal>();
        var ordered = points.ToArray();
        for (var i = 0; i + 1 < ordered.Length; i++)
        {
            Add(byHour, HourStart(ordered[i]), PriceAt(prices, ordered[i]) * (ordered[i + 1] - ordered[i]) / MsPerHour * factor);
        }

        return byHour;
    }

    private static void AddInside(SortedSet<long> points, long t, long start, long end)
    {
        if (t > start && t < end)
        {
            points.Add(t);
        }
    }

    private static void Add(Dictionary<long, decimal> map, long key, decimal value) =>
        map[key] = map.GetValueOrDefault(key) + value;
}
