using System.Globalization;

namespace BatchInsights.Sandbox.Simulation;

/// <summary>One Spot price change of one pool (AZ × instance type); both Linux products share it.</summary>
internal readonly record struct SpotPriceChange(long TimestampMs, int Pool, decimal Price);

/// <summary>A Spot capacity pool: one instance type in one AZ.</summary>
internal sealed record SpotPool(string Zone, string InstanceType, double LogLevel, double OnDemandUsd, ulong Key);

/// <summary>
/// The simulated Spot market: a deterministic price series per pool, computed on demand (nothing is stored per change).
/// <para>
/// Model. Time is cut into 6-hour slots; a pool changes price 0, 1 or 2 times in a slot (≈4.6 changes a day, like the
/// ≈1 change per pool in the 5.7 hours of real us-east-1 data). The log price of a change is
/// <c>level + slow(slot) + noise</c>: <c>level</c> = log(On-Demand × Spot/On-Demand ratio of the type) plus a per-AZ
/// offset; <c>slow</c> is a moving average of per-slot shocks with weights 0.8^k over 3 days (an AR(1)-like,
/// mean-reverting drift with a standard deviation of 8 %); <c>noise</c> adds 2 %. About 1 change in 300 is a spike
/// of ×1.4–2.5, capped at 95 % of On-Demand except in 1 spike out of 10 (capped at 120 %). Prices have 4 decimals and a
/// change equal to the previous price is not a change.
/// </para>
/// <para>
/// Calibration (Data/spot-ratios.csv, made by Tools/make-spot-ratios.py from 1,584 real us-east-1 Spot prices of
/// 2022-05-31): the type's median Spot/On-Demand ratio over AZs and the spread of its log price between AZs; types not
/// in the sample use their family's median ratio, else the overall median (0.38). On-Demand prices are us-east-1's for
/// every region. Each change's value depends only on the seed, pool and slot, so any window (and any "now") sees the
/// same history.
/// </para>
/// </summary>
internal sealed class SpotMarket
{
    public const long HistoryMs = 90L * 24 * 3600 * 1000;
    private const long SlotMs = 6L * 3600 * 1000;
    private const double SlowSd = 0.08;
    private const double NoiseSd = 0.02;
    private const double Decay = 0.8;
    private const int SlowTerms = 12;
    private static readonly double SlowNorm = Math.Sqrt(Enumerable.Range(0, SlowTerms).Sum(k => Math.Pow(Decay, 2 * k)));
    private static readonly Lazy<Calibration> Calibrated = new(Calibration.Load);

    private readonly ulong _seed;
    private readonly string _region;
    private readonly IReadOnlyList<string> _zones;
    private readonly List<SpotPool> _pools = [];
    private readonly Dictionary<(string Zone, string Type), int> _poolIndex = [];
    private readonly Lock _gate = new();

    public SpotMarket(int seed, string region, IReadOnlyList<string> zones, IEnumerable<string> defaultTypes)
    {
        _seed = (ulong)seed;
        _region = region;
        _zones = zones;
        DefaultPools = zones.SelectMany(z => defaultTypes.Select(t => (z, t)))
            .Select(p => PoolOf(p.z, p.t))
            .Where(i => i >= 0)
            .ToList();
    }

    /// <summary>The pools served when a request names no instance type: the types the scenario's CEs can launch.</summary>
    public IReadOnlyList<int> DefaultPools { get; }

    public IReadOnlyList<string> Zones => _zones;

    public SpotPool Pool(int index)
    {
        lock (_gate) return _pools[index];
    }

    /// <summary>The pool of a type in a zone, created on first use; -1 when the type has no Spot market there.</summary>
    public int PoolOf(string zone, string instanceType)
    {
        lock (_gate)
        {
            if (_poolIndex.TryGetValue((zone, instanceType), out var existing)) return existing;
            var index = -1;
            var info = InstanceCatalog.Default.Find(instanceType);
            if (info is { SpotSupported: true, OnDemandUsd: > 0 } && _zones.Contains(zone) && Ec2Data.Default.IsOffered(_region, zone, instanceType))
            {
                var calibration = Calibrated.Value;
                var ratio = calibration.Ratio(info);
                var key = Hash.Of(_seed, StableHash(instanceType), StableHash(zone));
                var azOffset = Normal(Hash.Of(key, 1), Hash.Of(key, 2)) * calibration.AzSpread(instanceType);
                index = _pools.Count;
                _pools.Add(new SpotPool(zone, instanceType, Math.Log(info.OnDemandUsd.Value * ratio) + azOffset, info.OnDemandUsd.Value, key));
            }

            _poolIndex[(zone, instanceType)] = index;
            return index;
        }
    }

    /// <summary>
    /// The changes of a pool with start &lt; t ≤ end, plus the last change at or before start (the price in effect at
    /// start), oldest first. Nothing older than <paramref name="floorMs"/> is returned.
    /// </summary>
    public IEnumerable<SpotPriceChange> History(int pool, long startMs, long endMs, long floorMs)
    {
        var p = Pool(pool);
        var effective = LastChangeAtOrBefore(p, startMs);
        var previous = effective?.Price;
        if (effective is { } e && e.TimestampMs >= floorMs) yield return e with { Pool = pool };
        for (var slot = FloorDiv(startMs, SlotMs); slot <= FloorDiv(endMs, SlotMs); slot++)
        {
            foreach (var (t, price) in RawChanges(p, slot))
            {
                if (t <= startMs || t > endMs) continue;
                if (previous is null || price != previous.Value)
                {
                    yield return new SpotPriceChange(t, pool, price);
                }

                previous = price;
            }
        }
    }

    /// <summary>The price in effect at a time (reclaim models and tests use it).</summary>
    public decimal PriceAt(int pool, long atMs) => LastChangeAtOrBefore(Pool(pool), atMs)?.Price ?? 0m;

    private SpotPriceChange? LastChangeAtOrBefore(SpotPool p, long atMs)
    {
        // Walk back to the newest raw change ≤ at, then further back while the price stays the same: a repeat is
        // not a change, so the change in effect is the first of the run.
        SpotPriceChange? found = null;
        for (var slot = FloorDiv(atMs, SlotMs); slot > FloorDiv(atMs, SlotMs) - 60; slot--)
        {
            var changes = RawChanges(p, slot);
            for (var i = changes.Count - 1; i >= 0; i--)
            {
                var (t, price) = changes[i];
                if (t > atMs) continue;
                if (found is null) found = new SpotPriceChange(t, 0, price);
                else if (price == found.Value.Price) found = new SpotPriceChange(t, 0, price);
                else return found;
            }
        }

        return found;
    }

    private List<(long TimestampMs, decimal Price)> RawChanges(SpotPool p, long slot)
    {
        var h = Hash.Of(p.Key, 0x5107UL, (ulong)slot);
        var u = Unit(h);
        var count = u < 0.2 ? 0 : u < 0.65 ? 1 : 2;
        var result = new List<(long, decimal)>(count);
        var slow = Slow(p.Key, slot);
        var offsets = new long[count];
        for (var j = 0; j < count; j++) offsets[j] = (long)(Unit(Hash.Of(h, 10UL + (ulong)j)) * SlotMs) / 1000 * 1000;
        Array.Sort(offsets);
        for (var j = 0; j < count; j++)
        {
            var hj = Hash.Of(h, 20UL + (ulong)j);
            var price = Math.Exp(p.LogLevel + slow + (Normal(Hash.Of(hj, 1), Hash.Of(hj, 2)) * NoiseSd));
            if (Unit(Hash.Of(hj, 3)) < 1.0 / 300)
            {
                var cap = Unit(Hash.Of(hj, 5)) < 0.1 ? 1.2 : 0.95;
                price = Math.Max(price, Math.Min(price * (1.4 + (1.1 * Unit(Hash.Of(hj, 4)))), p.OnDemandUsd * cap));
            }

            result.Add(((slot * SlotMs) + offsets[j], Math.Max(0.0001m, Math.Round((decimal)price, 4))));
        }

        return result;
    }

    /// <summary>
    /// How much likelier a Spot reclaim in a pool is at a time than on average: exp(3 × the pool's slow price drift), so
    /// reclaims cluster where and when prices run high (≈1.3 at one standard deviation, ≈1.6 at two; ≈1.03 on average).
    /// 1 when the pool has no Spot market.
    /// </summary>
    public double ReclaimPressure(string zone, string instanceType, long atMs)
    {
        var pool = PoolOf(zone, instanceType);
        return pool < 0 ? 1.0 : Math.Exp(3 * Slow(Pool(pool).Key, FloorDiv(atMs, SlotMs)));
    }

    /// <summary>The mean-reverting drift of a pool's log price in a slot: shocks of the last 3 days weighted 0.8^k.</summary>
    private static double Slow(ulong poolKey, long slot)
    {
        var slow = 0.0;
        var weight = 1.0;
        for (var k = 0; k < SlowTerms; k++)
        {
            var hk = Hash.Of(poolKey, 0x510EUL, (ulong)(slot - k));
            slow += weight * Normal(Hash.Of(hk, 1), Hash.Of(hk, 2));
            weight *= Decay;
        }

        return slow / SlowNorm * SlowSd;
    }

    private static long FloorDiv(long a, long b) => (a / b) - (a % b < 0 ? 1 : 0);

    private static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    private static double Normal(ulong a, ulong b) =>
        Math.Sqrt(-2 * Math.Log(1 - Unit(a))) * Math.Cos(2 * Math.PI * Unit(b));

    private static ulong StableHash(string s)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and the history must not be.
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>Spot/On-Demand ratios and AZ spreads from Data/spot-ratios.csv.</summary>
    private sealed class Calibration
    {
        private readonly Dictionary<string, (double Ratio, double AzSd)> _byType = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> _familyRatio = new(StringComparer.Ordinal);
        private double _overallRatio;
        private double _medianAzSd;

        public double Ratio(InstanceTypeInfo info) =>
            _byType.TryGetValue(info.Name, out var r) ? r.Ratio : _familyRatio.GetValueOrDefault(info.Family, _overallRatio);

        /// <summary>The type's spread between AZs, at least 3 % so that zones differ a little as they do in AWS.</summary>
        public double AzSpread(string type) =>
            Math.Max(0.03, _byType.TryGetValue(type, out var r) && r.AzSd > 0 ? r.AzSd : _medianAzSd);

        public static Calibration Load()
        {
            var c = new Calibration();
            using var reader = new StreamReader(EmbeddedData.Open("spot-ratios.csv"));
            reader.ReadLine();
            while (reader.ReadLine() is { } line)
            {
                var f = line.Split(',');
                c._byType[f[0]] = (double.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture));
            }

            static double Median(IEnumerable<double> values)
            {
                var v = values.Order().ToList();
                return v.Count == 0 ? 0 : v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
            }

            c._overallRatio = Median(c._byType.Values.Select(v => v.Ratio));
            c._medianAzSd = Median(c._byType.Values.Where(v => v.AzSd > 0).Select(v => v.AzSd));
            foreach (var g in c._byType.GroupBy(kv => kv.Key.Split('.')[0]))
            {
                c._familyRatio[g.Key] = Median(g.Select(kv => kv.Value.Ratio));
            }

            return c;
        }
    }
}
