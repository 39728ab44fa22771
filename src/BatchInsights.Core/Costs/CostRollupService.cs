using System.Text.Json;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Costs;

/// <summary>What one roll-up run did for a target.</summary>
public sealed record CostRunResult(string Account, string Region, long WindowStartMs, long WindowEndMs, int Instances, int Attempts, int Rollups, decimal InstanceTotalUsd);

/// <summary>
/// Recomputes attempt costs and roll-ups incrementally: only the UTC days touched by jobs or instances that changed since
/// the last run (watermark "costs" per target). A run rewrites its window as a whole in one transaction, so rerunning
/// gives identical rows and a run killed mid-way leaves the previous state and its watermark (the next run redoes it).
/// </summary>
public sealed partial class CostRollupService(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    IInstanceCatalog catalog,
    IOptions<CostOptions> options,
    TimeProvider clock,
    ILogger<CostRollupService> logger)
{
    public const string WatermarkScope = "costs";
    private const long DayMs = 86_400_000;

    // A harvest's rows carry the harvest's "now", taken before its transaction commits: look back a little so a row
    // committed just after our previous run started is not missed (rerunning a day is harmless).
    private const long WatermarkSlackMs = 10 * 60_000;

    private static readonly string[] RunningStates = ["pending", "running", "stopping", "shutting-down"];

    public async Task<IReadOnlyList<CostRunResult>> RunAllAsync(CancellationToken cancellationToken)
    {
        List<(string Account, string Region)> targets;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var fromJobs = await db.Jobs.AsNoTracking().Select(j => new { j.Account, j.Region }).Distinct().ToListAsync(cancellationToken);
            var fromInstances = await db.Ec2Instances.AsNoTracking().Select(j => new { j.Account, j.Region }).Distinct().ToListAsync(cancellationToken);
            targets = fromJobs.Concat(fromInstances).Select(t => (t.Account, t.Region)).Distinct().ToList();
        }

        var results = new List<CostRunResult>();
        foreach (var (account, region) in targets)
        {
            results.Add(await RunAsync(account, region, cancellationToken));
        }

        return results;
    }

    public async Task<CostRunResult> RunAsync(string account, string region, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var watermark = await db.HarvestWatermarks.AsNoTracking()
            .Where(x => x.Account == account && x.Region == region && x.Scope == WatermarkScope)
            .Select(x => (long?)x.ValueMs).FirstOrDefaultAsync(cancellationToken) ?? long.MinValue;
        var since = watermark == long.MinValue ? long.MinValue : watermark - WatermarkSlackMs;
        var sinceDate = since == long.MinValue ? DateTime.MinValue : DateTimeOffset.FromUnixTimeMilliseconds(since).UtcDateTime;

        // 1. What changed: jobs (HarvestedAt = last changed), instances (LastSeenMs moves while they run), placements.
        var changedJobs = await db.Jobs.AsNoTracking()
            .Where(j => j.Account == account && j.Region == region && j.HarvestedAt >= sinceDate && j.StartedAtMs != null)
            .GroupBy(_ => 1)
            .Select(g => new { Start = g.Min(j => j.CreatedAtMs), End = g.Max(j => j.StoppedAtMs ?? now), Open = g.Any(j => j.StoppedAtMs == null) })
            .FirstOrDefaultAsync(cancellationToken);
        var changedInstances = await db.Ec2Instances.AsNoTracking()
            .Where(i => i.Account == account && i.Region == region && i.LastSeenMs >= since)
            .GroupBy(_ => 1)
            .Select(g => new { Start = g.Min(i => i.LaunchTimeMs ?? i.FirstSeenMs), End = g.Max(i => i.TerminatedAtMs ?? i.LastSeenMs) })
            .FirstOrDefaultAsync(cancellationToken);
        // A placement learnt after the job stopped changing (the instance harvest describes container instances later).
        var changedPlacements = await (
            from a in db.JobAttempts.AsNoTracking()
            join c in db.ContainerInstances.AsNoTracking() on new { a.Account, a.Region, Arn = a.ContainerInstanceArn! } equals new { c.Account, c.Region, Arn = c.ContainerInstanceArn }
            where a.Account == account && a.Region == region && c.DescribedAtMs >= since && a.StartedAtMs != null
            group a by 1 into g
            select new { Start = g.Min(a => a.StartedAtMs!.Value), End = g.Max(a => a.StoppedAtMs ?? a.StartedAtMs!.Value) })
            .FirstOrDefaultAsync(cancellationToken);
        if (changedJobs is null && changedInstances is null && changedPlacements is null)
        {
            await WriteWatermarkAsync(db, account, region, now, cancellationToken);
            return new CostRunResult(account, region, 0, 0, 0, 0, 0, 0m);
        }

        var start = Math.Min(Math.Min(changedJobs?.Start ?? long.MaxValue, changedInstances?.Start ?? long.MaxValue), changedPlacements?.Start ?? long.MaxValue);
        var end = Math.Max(
            Math.Max(changedJobs?.End ?? long.MinValue, changedInstances?.End ?? long.MinValue),
            Math.Max(changedPlacements?.End ?? long.MinValue, changedJobs?.Open == true ? now : long.MinValue));
        var windowStart = CostLedger.DayStart(start);
        var windowEnd = CostLedger.DayStart(Math.Max(start, end)) + DayMs;

        // 2. Inputs: instances overlapping the window, then every attempt that overlaps the window or ran on one of them.
        var inputs = await CostInputs.LoadAsync(db, catalog, account, region, windowStart, windowEnd, now, cancellationToken);
        var ledger = CostLedger.Build(account, region, windowStart, windowEnd, options.Value.EffectiveTagKeys, inputs.Instances, inputs.Placed, inputs.Lone);

        // 3. Rewrite the window in one transaction, watermark included.
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.CostRollups.Where(r => r.Account == account && r.Region == region && r.PeriodStartMs >= windowStart && r.PeriodStartMs < windowEnd)
            .ExecuteDeleteAsync(cancellationToken);
        foreach (var chunk in ledger.AttemptCosts.Select(a => a.JobId).Distinct(StringComparer.Ordinal).Chunk(500))
        {
            await db.AttemptCosts.Where(a => a.Account == account && a.Region == region && chunk.Contains(a.JobId)).ExecuteDeleteAsync(cancellationToken);
        }

        db.AttemptCosts.AddRange(ledger.AttemptCosts);
        db.CostRollups.AddRange(ledger.Rollups);
        await db.SaveChangesAsync(cancellationToken);
        await WriteWatermarkAsync(db, account, region, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        LogRun(logger, account, region, windowStart, windowEnd, inputs.Instances.Count, ledger.AttemptCosts.Count, decimal.Round(ledger.InstanceTotalUsd, 2));
        return new CostRunResult(account, region, windowStart, windowEnd, inputs.Instances.Count, ledger.AttemptCosts.Count, ledger.Rollups.Count, ledger.InstanceTotalUsd);
    }

    private static async Task WriteWatermarkAsync(BatchInsightsDbContext db, string account, string region, long now, CancellationToken cancellationToken)
    {
        var row = await db.HarvestWatermarks.FirstOrDefaultAsync(x => x.Account == account && x.Region == region && x.Scope == WatermarkScope, cancellationToken);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime;
        if (row is null)
        {
            db.HarvestWatermarks.Add(new HarvestWatermarkRow { Account = account, Region = region, Scope = WatermarkScope, ValueMs = now, UpdatedAt = at });
        }
        else
        {
            row.ValueMs = now;
            row.UpdatedAt = at;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    internal static long InstanceEnd(Ec2InstanceRow i, long now) =>
        i.TerminatedAtMs ?? (RunningStates.Contains(i.State, StringComparer.Ordinal) ? now : i.LastSeenMs);

    internal static IReadOnlyDictionary<string, string> ParseTags(string? json) =>
        string.IsNullOrEmpty(json)
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? new Dictionary<string, string>(StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Costs {Account}/{Region}: window {WindowStartMs}..{WindowEndMs}, {Instances} instances, {Attempts} attempts, ${TotalUsd} instance cost")]
    private static partial void LogRun(ILogger logger, string account, string region, long windowStartMs, long windowEndMs, int instances, int attempts, decimal totalUsd);
}
