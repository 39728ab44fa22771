namespace BatchInsights.Core.Recommendations.Simulation;

/// <summary>
/// Prices in USD per hour for a list of instance types (same order as the <see cref="MachineType"/> list they go
/// with), constant (On-Demand) or piecewise constant over time (Spot: one step per price change). Before a type's first
/// change its first price applies, so a history that starts late never leaves a gap.
/// <para>
/// Money here is <c>double</c>, not the ADR-0002 <c>decimal</c>: these figures feed an LP and ratios between
/// estimates, and are never stored; convert to decimal/micro-USD at the edge that persists them.
/// </para>
/// </summary>
public sealed class PriceSchedule
{
    private readonly long[][] _times;
    private readonly double[][] _prices;

    private PriceSchedule(long[][] times, double[][] prices)
    {
        _times = times;
        _prices = prices;
    }

    public int TypeCount => _prices.Length;

    /// <summary>True when no type's price ever changes.</summary>
    public bool IsConstant => _times.All(t => t.Length <= 1);

    public static PriceSchedule Constant(IReadOnlyList<double> usdPerHour)
    {
        ArgumentNullException.ThrowIfNull(usdPerHour);
        return FromChanges(usdPerHour.Select(p => (IReadOnlyList<(long, double)>)[(0L, p)]).ToList());
    }

    /// <summary>Per type, its price changes (second, USD/h); each list non-empty, in any order.</summary>
    public static PriceSchedule FromChanges(IReadOnlyList<IReadOnlyList<(long AtSecond, double UsdPerHour)>> changesPerType)
    {
        ArgumentNullException.ThrowIfNull(changesPerType);
        var times = new long[changesPerType.Count][];
        var prices = new double[changesPerType.Count][];
        for (var i = 0; i < changesPerType.Count; i++)
        {
            var sorted = changesPerType[i].OrderBy(c => c.AtSecond).ToArray();
            if (sorted.Length == 0)
            {
                throw new ArgumentException($"Type {i} has no price.", nameof(changesPerType));
            }

            if (sorted.Any(c => !(c.UsdPerHour > 0) || double.IsInfinity(c.UsdPerHour)))
            {
                // A free instance would make every bound zero; a real price is always positive.
                throw new ArgumentException($"Type {i} has a price that is not a positive number.", nameof(changesPerType));
            }

            times[i] = [.. sorted.Select(c => c.AtSecond)];
            prices[i] = [.. sorted.Select(c => c.UsdPerHour)];
        }

        return new PriceSchedule(times, prices);
    }

    public double PriceAt(int type, long second) => _prices[type][IndexAt(type, second)];

    /// <summary>The lowest price in effect at any moment of [from, to): what a lower bound may assume for that interval.</summary>
    public double MinPrice(int type, long from, long to)
    {
        var i = IndexAt(type, from);
        var min = _prices[type][i];
        for (i++; i < _times[type].Length && _times[type][i] < to; i++)
        {
            min = Math.Min(min, _prices[type][i]);
        }

        return min;
    }

    /// <summary>USD paid for running one instance of the type over [from, to) (per-second billing).</summary>
    public double Cost(int type, long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        var times = _times[type];
        var prices = _prices[type];
        var i = IndexAt(type, from);
        var total = 0.0;
        var t = from;
        while (t < to)
        {
            var next = i + 1 < times.Length ? Math.Min(times[i + 1], to) : to;
            total += prices[i] * (next - t) / 3600.0;
            t = next;
            i++;
        }

        return total;
    }

    /// <summary>True when some type's price changes inside (from, to) — i.e. [from, to) is not one price epoch.</summary>
    internal bool ChangesWithin(long from, long to)
    {
        foreach (var times in _times)
        {
            var k = Array.BinarySearch(times, from + 1);
            if (k < 0)
            {
                k = ~k;
            }

            if (k < times.Length && times[k] < to)
            {
                return true;
            }
        }

        return false;
    }

    private int IndexAt(int type, long second)
    {
        var times = _times[type];
        var k = Array.BinarySearch(times, second);
        if (k >= 0)
        {
            // Several changes at the same second: the last one wins.
            while (k + 1 < times.Length && times[k + 1] == second)
            {
                k++;
            }

            return k;
        }

        return Math.Max(0, ~k - 1);
    }
}
