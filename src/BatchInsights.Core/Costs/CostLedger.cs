using System.Text.Json;
using BatchInsights.Core.Data;

namespace BatchInsights.Core.Costs;

/// <summary>Where an attempt's cost is booked: its CE, queue, definition, share identifier and tags of interest.</summary>
public sealed record CostContext(
    string ComputeEnvironment,
    string QueueName,
    string JobDefinition,
    string ShareIdentifier,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// An attempt that ran on an instance in <see cref="CostLedger.Build"/>'s instance list; <paramref name="EstimateBasis"/> is set when
/// the attempt → instance link itself is a guess (ECS had forgotten the container instance).
/// </summary>
public sealed record PlacedAttempt(CostAttempt Attempt, CostContext Context, string InstanceId, string? EstimateBasis = null);

/// <summary>An attempt costed on its own (<see cref="CostAttribution.Fargate"/> or <see cref="CostAttribution.EstimateAlone"/>).</summary>
public sealed record LoneAttempt(
    CostAttempt Attempt,
    CostContext Context,
    string Lifecycle,
    string? InstanceType,
    string? AvailabilityZone,
    Capacity? Capacity,
    IReadOnlyList<PriceSegment> Prices,
    FargateRates? Fargate,
    bool Estimated,
    string? EstimateBasis);

/// <summary>An instance to cost, with why it is estimated (null when it is not).</summary>
public sealed record LedgerInstance(CostInstance Instance, string? EstimateBasis);

/// <summary>The rows one roll-up run writes for a window: attempt costs and hourly + daily roll-ups.</summary>
public sealed record CostLedgerResult(
    IReadOnlyList<AttemptCostRow> AttemptCosts,
    IReadOnlyList<CostRollupRow> Rollups,
    decimal InstanceTotalUsd,
    decimal AttemptTotalUsd,
    decimal IdleTotalUsd);

/// <summary>
/// Turns costed instances and attempts into storable rows. Pure. Only hours inside [windowStart, windowEnd) reach the
/// roll-ups (the window is whole UTC days, so a day's row is complete); attempt rows carry their whole cost.
/// </summary>
public static class CostLedger
{
    private const decimal MicrosPerUsd = 1_000_000m;

    public static CostLedgerResult Build(
        string account,
        string region,
        long windowStartMs,
        long windowEndMs,
        IReadOnlyList<string> tagKeys,
        IReadOnlyList<LedgerInstance> instances,
        IReadOnlyList<PlacedAttempt> placed,
        IReadOnlyList<LoneAttempt> lone) =>
        Build(account, region, windowStartMs, windowEndMs, tagKeys, instances, placed, lone, long.MinValue, long.MaxValue, windowStartMs);

    /// <summary>
    /// One slice of a run: instances are costed only over [<paramref name="clipStartMs"/>, <paramref name="clipEndMs"/>)
    /// (which must cover every attempt overlapping the window), roll-ups and totals take the hours inside the window, and
    /// an attempt row is written by the slice holding max(attempt start, <paramref name="rowsFromMs"/>) — the run's
    /// window start — so an attempt spanning several slices of one run is written exactly once, with its whole cost.
    /// </summary>
    public static CostLedgerResult Build(
        string account,
        string region,
        long windowStartMs,
        long windowEndMs,
        IReadOnlyList<string> tagKeys,
        IReadOnlyList<LedgerInstance> instances,
        IReadOnlyList<PlacedAttempt> placed,
        IReadOnlyList<LoneAttempt> lone,
        long clipStartMs,
        long clipEndMs,
        long rowsFromMs)
    {
        ArgumentNullException.ThrowIfNull(tagKeys);
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(placed);
        ArgumentNullException.ThrowIfNull(lone);
        // With no tag keys configured the roll-ups still need one (untagged) copy.
        IReadOnlyList<string> views = tagKeys.Count == 0 ? [""] : tagKeys;
        var acc = new Dictionary<RollupKey, Sums>();
        var attemptRows = new List<AttemptCostRow>();
        decimal instanceTotal = 0, attemptTotal = 0, idleTotal = 0;

        var byInstance = placed.GroupBy(p => p.InstanceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var li in instances)
        {
            var instance = li.Instance;
            var mine = byInstance.GetValueOrDefault(instance.InstanceId) ?? [];
            var charge = CostAttribution.Attribute(instance, mine.Select(p => p.Attempt).ToList(), clipStartMs, clipEndMs);
            var ce = instance.ComputeEnvironment ?? "";
            foreach (var (hour, usd) in charge.IdleByHour)
            {
                // A fully reserved hour leaves no idle row behind.
                if (hour >= windowStartMs && hour < windowEndMs && usd != 0)
                {
                    instanceTotal += usd;
                    idleTotal += usd;
                    foreach (var view in views)
                    {
                        var idle = new RollupKey(0, 0, ce, "", "", view, "", "", instance.Lifecycle, IsIdle: true);
                        AddBoth(acc, idle, hour, usd, instance.Estimated, countAttempt: false);
                    }
                }
            }

            for (var k = 0; k < mine.Count; k++)
            {
                var a = mine[k];
                var c = charge.Attempts[k];
                var inWindow = InWindow(c, windowStartMs, windowEndMs);
                attemptTotal += inWindow;
                instanceTotal += inWindow;
                var estimated = instance.Estimated || a.EstimateBasis is not null;
                if (Owns(a.Attempt, windowStartMs, windowEndMs, rowsFromMs))
                {
                    attemptRows.Add(Row(account, region, a.Attempt, a.Context, tagKeys, c, instance.InstanceId, instance.InstanceType,
                        instance.AvailabilityZone, instance.Lifecycle, estimated, li.EstimateBasis ?? a.EstimateBasis));
                }

                AddAttempt(acc, views, a.Context, instance.Lifecycle, c, estimated, windowStartMs, windowEndMs);
            }
        }

        foreach (var l in lone)
        {
            var c = l.Fargate is { } rates
                ? CostAttribution.Fargate(l.Attempt, rates)
                : CostAttribution.EstimateAlone(l.Attempt, l.Capacity ?? new Capacity(0, 0, 0), l.Prices);
            // A lone attempt is its own "instance": it adds the same to both sides of the invariant.
            var inWindow = InWindow(c, windowStartMs, windowEndMs);
            instanceTotal += inWindow;
            attemptTotal += inWindow;
            if (Owns(l.Attempt, windowStartMs, windowEndMs, rowsFromMs))
            {
                attemptRows.Add(Row(account, region, l.Attempt, l.Context, tagKeys, c, null, l.InstanceType, l.AvailabilityZone, l.Lifecycle, l.Estimated, l.EstimateBasis));
            }

            AddAttempt(acc, views, l.Context, l.Lifecycle, c, l.Estimated, windowStartMs, windowEndMs);
        }

        var rollups = acc.Select(kv => new CostRollupRow
        {
            Account = account,
            Region = region,
            PeriodHours = kv.Key.PeriodHours,
            PeriodStartMs = kv.Key.PeriodStartMs,
            ComputeEnvironment = kv.Key.Ce,
            QueueName = kv.Key.Queue,
            JobDefinition = kv.Key.Definition,
            TagKey = kv.Key.TagKey,
            TagValue = kv.Key.TagValue,
            ShareIdentifier = kv.Key.Share,
            Lifecycle = kv.Key.Lifecycle,
            IsIdle = kv.Key.IsIdle,
            CostMicroUsd = ToMicros(kv.Value.Usd),
            EstimatedMicroUsd = ToMicros(kv.Value.EstimatedUsd),
            Attempts = kv.Value.Attempts,
        }).ToList();
        return new CostLedgerResult(attemptRows, rollups, instanceTotal, attemptTotal, idleTotal);
    }

    /// <summary>Whether the attempt overlaps the window (a zero-length attempt counts as one millisecond).</summary>
    internal static bool Overlaps(long startMs, long stopMs, long windowStartMs, long windowEndMs) =>
        startMs < windowEndMs && Math.Max(stopMs, startMs + 1) > windowStartMs;

    private static bool Owns(CostAttempt a, long windowStartMs, long windowEndMs, long rowsFromMs) =>
        Overlaps(a.StartMs, a.StopMs, windowStartMs, windowEndMs) && Math.Max(a.StartMs, rowsFromMs) >= windowStartMs;

    private static decimal InWindow(AttemptCharge c, long windowStartMs, long windowEndMs)
    {
        var sum = 0m;
        foreach (var (hour, usd) in c.ByHour)
        {
            if (hour >= windowStartMs && hour < windowEndMs)
            {
                sum += usd;
            }
        }

        return sum;
    }

    public static long ToMicros(decimal usd) => (long)Math.Round(usd * MicrosPerUsd, MidpointRounding.AwayFromZero);

    /// <summary>"arn:aws:batch:…:job-definition/name:3" → "name"; a plain name stays.</summary>
    public static string DefinitionName(string? arnOrName)
    {
        if (string.IsNullOrEmpty(arnOrName))
        {
            return "";
        }

        var slash = arnOrName.LastIndexOf('/');
        var name = slash >= 0 ? arnOrName[(slash + 1)..] : arnOrName;
        var colon = name.LastIndexOf(':');
        return colon > 0 && int.TryParse(name.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out _) ? name[..colon] : name;
    }

    private static void AddAttempt(Dictionary<RollupKey, Sums> acc, IReadOnlyList<string> views, CostContext context, string lifecycle, AttemptCharge c, bool estimated, long windowStartMs, long windowEndMs)
    {
        var countedDays = new HashSet<long>();
        foreach (var (hour, usd) in c.ByHour)
        {
            if (hour < windowStartMs || hour >= windowEndMs)
            {
                continue;
            }

            var firstInDay = countedDays.Add(DayStart(hour));
            foreach (var view in views)
            {
                var key = new RollupKey(0, 0, context.ComputeEnvironment, context.QueueName, context.JobDefinition, view,
                    view.Length == 0 ? "" : context.Tags.GetValueOrDefault(view) ?? "", context.ShareIdentifier, lifecycle, IsIdle: false);
                Add(acc, key with { PeriodHours = 1, PeriodStartMs = hour }, usd, estimated, countAttempt: true);
                Add(acc, key with { PeriodHours = 24, PeriodStartMs = DayStart(hour) }, usd, estimated, countAttempt: firstInDay);
            }
        }
    }

    private static void AddBoth(Dictionary<RollupKey, Sums> acc, RollupKey key, long hour, decimal usd, bool estimated, bool countAttempt)
    {
        Add(acc, key with { PeriodHours = 1, PeriodStartMs = hour }, usd, estimated, countAttempt);
        Add(acc, key with { PeriodHours = 24, PeriodStartMs = DayStart(hour) }, usd, estimated, countAttempt);
    }

    private static void Add(Dictionary<RollupKey, Sums> acc, RollupKey key, decimal usd, bool estimated, bool countAttempt)
    {
        var sums = acc.GetValueOrDefault(key) ?? new Sums();
        sums.Usd += usd;
        if (estimated)
        {
            sums.EstimatedUsd += usd;
        }

        if (countAttempt)
        {
            sums.Attempts++;
        }

        acc[key] = sums;
    }

    public static long DayStart(long ms) => ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);

    private static AttemptCostRow Row(string account, string region, CostAttempt attempt, CostContext context, IReadOnlyList<string> tagKeys, AttemptCharge c,
        string? instanceId, string? instanceType, string? az, string lifecycle, bool estimated, string? basis)
    {
        var tags = tagKeys.Where(context.Tags.ContainsKey).ToDictionary(k => k, k => context.Tags[k], StringComparer.Ordinal);
        return new AttemptCostRow
        {
            Account = account,
            Region = region,
            JobId = attempt.Key.JobId,
            AttemptIndex = attempt.Key.AttemptIndex,
            ComputeEnvironment = context.ComputeEnvironment,
            QueueName = context.QueueName,
            JobDefinition = context.JobDefinition,
            ShareIdentifier = context.ShareIdentifier,
            TagsJson = tags.Count == 0 ? null : JsonSerializer.Serialize(tags),
            StartedAtMs = attempt.StartMs,
            StoppedAtMs = attempt.StopMs,
            InstanceId = instanceId,
            InstanceType = instanceType,
            AvailabilityZone = az,
            Lifecycle = lifecycle,
            Share = (double)c.Share,
            CostMicroUsd = ToMicros(c.CostUsd),
            Estimated = estimated,
            EstimateBasis = estimated ? basis : null,
        };
    }

    private readonly record struct RollupKey(
        int PeriodHours, long PeriodStartMs, string Ce, string Queue, string Definition, string TagKey, string TagValue, string Share, string Lifecycle, bool IsIdle);

    private sealed class Sums
    {
        public decimal Usd { get; set; }
        public decimal EstimatedUsd { get; set; }
        public int Attempts { get; set; }
    }
}
