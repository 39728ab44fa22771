using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Costs;

/// <summary>What the Costs page and <c>GET /api/v1/costs</c> group by.</summary>
public sealed record CostGrouping(string Kind, string? TagKey = null)
{
    public static readonly CostGrouping Queue = new("queue");
    public static readonly CostGrouping ComputeEnvironment = new("ce");
    public static readonly CostGrouping Definition = new("definition");
    public static readonly CostGrouping Share = new("share");

    /// <summary>"queue" | "ce" | "definition" | "share" | "tag:&lt;key&gt;" (case-insensitive kind); throws naming <c>groupBy</c> otherwise.</summary>
    public static CostGrouping Parse(string? value)
    {
        var v = value?.Trim() ?? "";
        if (v.Length == 0)
        {
            return Queue;
        }

        if (v.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && v.Length > 4)
        {
            return new CostGrouping("tag", v[4..]);
        }

        return v.ToLowerInvariant() switch
        {
            "queue" => Queue,
            "ce" => ComputeEnvironment,
            "definition" => Definition,
            "share" => Share,
            _ => throw new InvalidQueryParameterException("groupBy", $"groupBy '{value}' must be queue, ce, definition, share or tag:<key>."),
        };
    }

    public override string ToString() => TagKey is null ? Kind : $"tag:{TagKey}";
}

/// <summary>One group's costs over the range. <see cref="TotalUsd"/> = attempts + idle (idle only in CE groups and the idle group).</summary>
public sealed record CostGroup(
    string Key,
    bool IsIdle,
    decimal TotalUsd,
    decimal AttemptUsd,
    decimal IdleUsd,
    decimal SpotUsd,
    decimal OnDemandUsd,
    decimal FargateUsd,
    decimal EstimatedUsd,
    int Attempts);

/// <summary>A group's cost on one UTC day (for the stacked chart).</summary>
public sealed record CostDay(long DayStartMs, string Key, decimal TotalUsd);

/// <summary>The cost report: totals, groups (largest first) and the daily series.</summary>
public sealed record CostReport(
    string GroupBy,
    long FromMs,
    long ToMs,
    int PeriodHours,
    decimal TotalUsd,
    decimal AttemptUsd,
    decimal IdleUsd,
    decimal SpotUsd,
    decimal OnDemandUsd,
    decimal FargateUsd,
    decimal EstimatedUsd,
    IReadOnlyList<CostGroup> Groups,
    IReadOnlyList<CostDay> Days,
    string ShareRule);

/// <summary>Reads the cost roll-ups (never the attempt rows) for the Costs page and API; attempt costs of one job.</summary>
public sealed class CostQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory, IOptions<CostOptions> options, TimeProvider clock)
{
    public const string IdleKey = "(idle / unallocated)";
    public const string NoneKey = "(none)";
    public const long MaxRangeMs = 400L * 86_400_000;

    public const string ShareRule =
        "Each attempt pays its reserved fraction of the instance — the larger of its vCPU, memory and GPU fractions — times the instance's "
        + "cost while it ran (Spot price history or On-Demand price; per-second billing with a 60-second minimum). What no attempt reserved is the "
        + "compute environment's idle/unallocated cost. Costs marked estimated rest on a guessed instance, type or price (e.g. the job → instance "
        + "mapping was unknown; Fargate uses public list prices).";

    private const long DayMs = 86_400_000;
    private const long HourMs = 3_600_000;

    public async Task<CostReport> GetAsync(CostGrouping groupBy, long? fromMs, long? toMs, TargetFilter target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupBy);
        ArgumentNullException.ThrowIfNull(target);
        var to = toMs ?? CostLedger.DayStart(clock.GetUtcNow().ToUnixTimeMilliseconds()) + DayMs;
        var from = fromMs ?? to - (7 * DayMs);
        if (from >= to)
        {
            throw new InvalidQueryParameterException("from", "from must be before to.");
        }

        if (to - from > MaxRangeMs)
        {
            throw new InvalidQueryParameterException("from", "The range may span at most 400 days.");
        }

        // Whole days read the daily roll-ups; anything else the hourly ones, widened to whole hours.
        var daily = from % DayMs == 0 && to % DayMs == 0;
        var periodHours = daily ? 24 : 1;
        if (!daily)
        {
            from = CostAttribution.HourStart(from);
            to = CostAttribution.HourStart(to + HourMs - 1);
        }

        var keys = options.Value.EffectiveTagKeys;
        var view = groupBy.TagKey ?? (keys.Count == 0 ? "" : keys[0]);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var q = db.CostRollups.AsNoTracking().Where(r => r.PeriodHours == periodHours && r.TagKey == view && r.PeriodStartMs >= from && r.PeriodStartMs < to);
        if (target.Account is { } account)
        {
            q = q.Where(r => r.Account == account);
        }

        if (target.Region is { } region)
        {
            q = q.Where(r => r.Region == region);
        }

        var rows = await q.Select(r => new
        {
            r.PeriodStartMs, r.ComputeEnvironment, r.QueueName, r.JobDefinition, r.TagValue, r.ShareIdentifier, r.Lifecycle, r.IsIdle,
            r.CostMicroUsd, r.EstimatedMicroUsd, r.Attempts,
        }).ToListAsync(cancellationToken);

        var flat = rows.Select(r => new Flat(
            KeyOf(groupBy, r.IsIdle, r.ComputeEnvironment, r.QueueName, r.JobDefinition, r.TagValue, r.ShareIdentifier),
            r.IsIdle, CostLedger.DayStart(r.PeriodStartMs), r.Lifecycle, Usd(r.CostMicroUsd), Usd(r.EstimatedMicroUsd), r.Attempts)).ToList();
        var groups = flat.GroupBy(f => f.Key, StringComparer.Ordinal).Select(g =>
        {
            var attempt = g.Where(f => !f.IsIdle).Sum(f => f.Usd);
            var idle = g.Where(f => f.IsIdle).Sum(f => f.Usd);
            return new CostGroup(g.Key, g.All(f => f.IsIdle), attempt + idle, attempt, idle,
                g.Where(f => f.Lifecycle == CostLifecycle.Spot).Sum(f => f.Usd),
                g.Where(f => f.Lifecycle == CostLifecycle.OnDemand).Sum(f => f.Usd),
                g.Where(f => f.Lifecycle is CostLifecycle.Fargate or CostLifecycle.FargateSpot).Sum(f => f.Usd),
                g.Sum(f => f.EstimatedUsd),
                g.Where(f => !f.IsIdle).Sum(f => f.Attempts));
        }).OrderByDescending(g => g.TotalUsd).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var days = flat.GroupBy(f => (f.Day, f.Key)).Select(g => new CostDay(g.Key.Day, g.Key.Key, g.Sum(f => f.Usd)))
            .OrderBy(d => d.DayStartMs).ThenBy(d => d.Key, StringComparer.Ordinal).ToList();
        return new CostReport(groupBy.ToString(), from, to, periodHours,
            groups.Sum(g => g.TotalUsd), groups.Sum(g => g.AttemptUsd), groups.Sum(g => g.IdleUsd),
            groups.Sum(g => g.SpotUsd), groups.Sum(g => g.OnDemandUsd), groups.Sum(g => g.FargateUsd), groups.Sum(g => g.EstimatedUsd),
            groups, days, ShareRule);
    }

    /// <summary>The stored attempt costs of one job (every target that has the id), by attempt.</summary>
    public async Task<IReadOnlyList<AttemptCostRow>> ForJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AttemptCosts.AsNoTracking().Where(a => a.JobId == jobId).OrderBy(a => a.AttemptIndex).ToListAsync(cancellationToken);
    }

    private static decimal Usd(long micros) => micros / 1_000_000m;

    private static string KeyOf(CostGrouping groupBy, bool isIdle, string ce, string queue, string definition, string tagValue, string share)
    {
        if (groupBy.Kind == "ce")
        {
            return ce.Length == 0 ? NoneKey : ce;
        }

        if (isIdle)
        {
            return IdleKey;
        }

        var key = groupBy.Kind switch
        {
            "queue" => queue,
            "definition" => definition,
            "share" => share,
            _ => tagValue,
        };
        return key.Length == 0 ? NoneKey : key;
    }

    private sealed record Flat(string Key, bool IsIdle, long Day, string Lifecycle, decimal Usd, decimal EstimatedUsd, int Attempts);
}
