using BatchInsights.Core.Aws;
using BatchInsights.Core.Harvesting;
using System.Text.RegularExpressions;
using BatchInsights.Core.Data;
using BatchInsights.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>The verdict on one data source of one target, as strings so the JSON API reads as the UI does.</summary>
public static class HarvestHealth
{
    /// <summary>Last run did not fail and a success is recent enough.</summary>
    public const string Ok = "Ok";

    /// <summary>No success within the kind's threshold (the harvest is not running, or hangs).</summary>
    public const string Stale = "Stale";

    /// <summary>The last finished run failed.</summary>
    public const string Failing = "Failing";

    /// <summary>No run has ever succeeded (and the last one did not fail: e.g. the first is still running).</summary>
    public const string Never = "Never";
}

/// <summary>
/// Where one (account, region, kind) harvest stands: last run, last success, last failure and why, lag,
/// calls and throttles, and a <see cref="HarvestHealth"/> verdict.
/// </summary>
/// <param name="MissingPermission">The IAM action named by the last failure ("not authorized to perform: X"), when no success came since.</param>
/// <param name="AccessDenied">The last failure (with no success since) was an authorization error, named or not.</param>
/// <param name="LagSeconds">Now minus the end of the last success; null when there was none.</param>
/// <param name="StaleAfterSeconds">The threshold this kind is judged by.</param>
public sealed record HarvestSourceStatus(
    string Account,
    string Region,
    string Kind,
    string Health,
    string LastOutcome,
    DateTime? LastStartedAt,
    DateTime? LastEndedAt,
    long LastCalls,
    long LastThrottled,
    DateTime? LastSuccessAt,
    DateTime? LastFailureAt,
    string? LastError,
    string? MissingPermission,
    bool AccessDenied,
    long? LagSeconds,
    long StaleAfterSeconds,
    int Runs24h,
    long Calls24h,
    long Throttled24h);

public sealed partial class HarvestStatusQueries(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    TimeProvider clock,
    HarvestStaleThresholds? thresholds = null,
    IEnumerable<AwsTarget>? configuredTargets = null)
{
    /// <summary>What <see cref="HarvestSourceStatus.LastOutcome"/> says for a configured source that has never started a run.</summary>
    public const string NotStarted = "NotStarted";

    /// <summary>The harvests every configured target gets (the catalog refresh is per region, not per target).</summary>
    public static readonly IReadOnlyList<string> PerTargetKinds =
        [BatchHarvester.Kind, SpotPriceHarvester.Kind, InstanceHarvester.Kind, NetworkHarvester.Kind];

    private readonly HarvestStaleThresholds _thresholds = thresholds ?? HarvestStaleThresholds.Default;

    /// <summary>Used for kinds without their own threshold.</summary>
    public static TimeSpan DefaultStaleAfter => HarvestStaleThresholds.Fallback;

    /// <summary>How long without a success before a source of this kind is <see cref="HarvestHealth.Stale"/> (Harvest options).</summary>
    public TimeSpan StaleAfter(string kind) => _thresholds.For(kind);

    /// <summary>
    /// One status per (account, region, kind) that has ever run, plus a <see cref="HarvestHealth.Never"/> row for each
    /// configured target's harvest that has not started yet (a new target, or one whose first harvest is queued behind
    /// others), ordered by account, region, kind.
    /// </summary>
    public async Task<IReadOnlyList<HarvestSourceStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One GROUP BY for the aggregates; ids are autoincrement in insert (= start) order, so MAX(id) is the latest run.
        var groups = await db.HarvestRuns.AsNoTracking()
            .GroupBy(r => new { r.Account, r.Region, r.Kind })
            .Select(g => new
            {
                g.Key.Account,
                g.Key.Region,
                g.Key.Kind,
                LastId = g.Max(r => r.Id),
                // A Partial run both delivered data and was refused something: it counts as a success and a failure.
                LastFailureId = g.Where(r => r.Outcome == HarvestOutcome.Failed || r.Outcome == HarvestOutcome.Partial).Max(r => (long?)r.Id),
                LastSuccessAt = g.Where(r => r.Outcome == HarvestOutcome.Succeeded || r.Outcome == HarvestOutcome.Partial).Max(r => (DateTime?)(r.EndedAt ?? r.StartedAt)),
                Runs24h = g.Count(r => r.StartedAt >= since),
                Calls24h = g.Where(r => r.StartedAt >= since).Sum(r => (long?)r.Calls),
                Throttled24h = g.Where(r => r.StartedAt >= since).Sum(r => (long?)r.Throttled),
            })
            .ToListAsync(cancellationToken);
        var statuses = new List<HarvestSourceStatus>(groups.Count);
        var seen = groups.Select(g => (g.Account, g.Region, g.Kind)).ToHashSet();
        foreach (var target in configuredTargets ?? [])
        {
            foreach (var kind in PerTargetKinds.Where(k => !seen.Contains((target.Account, target.Region, k))))
            {
                statuses.Add(new HarvestSourceStatus(target.Account, target.Region, kind, HarvestHealth.Never, NotStarted,
                    null, null, 0, 0, null, null, null, null, false, null, (long)StaleAfter(kind).TotalSeconds, 0, 0, 0));
            }
        }

        if (groups.Count == 0)
        {
            return statuses;
        }

        // Then the few rows those ids name (two per source at most).
        var ids = groups.Select(g => g.LastId)
            .Concat(groups.Where(g => g.LastFailureId.HasValue).Select(g => g.LastFailureId!.Value))
            .Distinct()
            .ToList();
        var runs = await db.HarvestRuns.AsNoTracking()
            .Where(r => ids.Contains(r.Id))
            .Select(r => new { r.Id, r.StartedAt, r.EndedAt, r.Outcome, r.Calls, r.Throttled, r.Error })
            .ToDictionaryAsync(r => r.Id, cancellationToken);

        foreach (var g in groups)
        {
            var last = runs[g.LastId];
            var failure = g.LastFailureId is { } failureId ? runs[failureId] : null;
            var failureAt = failure?.EndedAt ?? failure?.StartedAt;
            // A failure that a later success superseded says nothing about what is missing now.
            var unresolved = failure is not null && (g.LastSuccessAt is null || failureAt >= g.LastSuccessAt);
            var (accessDenied, permission) = unresolved ? ReadAuthorizationError(failure!.Error) : (false, null);
            var staleAfter = StaleAfter(g.Kind);
            var lag = g.LastSuccessAt is { } successAt ? now - successAt : (TimeSpan?)null;
            var health = last.Outcome == HarvestOutcome.Failed ? HarvestHealth.Failing
                : lag is null ? HarvestHealth.Never
                : lag > staleAfter ? HarvestHealth.Stale
                : HarvestHealth.Ok;

            statuses.Add(new HarvestSourceStatus(
                g.Account, g.Region, g.Kind, health,
                last.Outcome, last.StartedAt, last.EndedAt, last.Calls, last.Throttled,
                g.LastSuccessAt, failureAt, failure?.Error, permission, accessDenied,
                lag is null ? null : (long)Math.Max(0, lag.Value.TotalSeconds),
                (long)staleAfter.TotalSeconds,
                g.Runs24h, g.Calls24h ?? 0, g.Throttled24h ?? 0));
        }

        return statuses
            .OrderBy(s => s.Account, StringComparer.Ordinal)
            .ThenBy(s => s.Region, StringComparer.Ordinal)
            .ThenBy(s => s.Kind, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Whether an error is an AWS authorization failure, and the IAM action it names if any
    /// (e.g. "... is not authorized to perform: ec2:DescribeSpotPriceHistory on resource ...").
    /// </summary>
    public static (bool AccessDenied, string? Permission) ReadAuthorizationError(string? error)
    {
        if (string.IsNullOrEmpty(error))
        {
            return (false, null);
        }

        var named = PermissionPattern().Match(error);
        if (named.Success)
        {
            return (true, named.Groups["action"].Value);
        }

        var denied = error.Contains("AccessDenied", StringComparison.OrdinalIgnoreCase)
            || error.Contains("UnauthorizedOperation", StringComparison.OrdinalIgnoreCase)
            || error.Contains("not authorized", StringComparison.OrdinalIgnoreCase);
        return (denied, null);
    }

    [GeneratedRegex(@"not authorized to perform:?\s*(?<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PermissionPattern();
}
