using System.Globalization;
using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Apply;

/// <summary>
/// What an applied change saved, measured from the cost roll-ups: the CE's cost per job-hour (idle included) over whole
/// UTC days before the apply day and after it, times the job-hours per day after, × 30.4 days. Adjusts for how much work
/// ran, not for a changed job mix — hence the days and both rates are shown with it.
/// </summary>
public sealed record RealizedSavings(
    int Days,
    decimal CostPerDayBefore,
    decimal CostPerDayAfter,
    double JobHoursPerDayBefore,
    double JobHoursPerDayAfter,
    decimal MonthlyUsd,
    string Basis);

/// <summary>An accepted apply or rollback from the audit log, with the prediction and (once measurable) what it saved.</summary>
public sealed record CeChange(
    long AuditId,
    DateTime At,
    string Account,
    string Region,
    string ComputeEnvironment,
    string Action,
    string Summary,
    string Actor,
    long? RecommendationId,
    DateTime? RolledBackAt,
    decimal? PredictedMonthlyUsd,
    RealizedSavings? Realized);

/// <summary>The realized-savings total of every applied recommendation still in effect.</summary>
public sealed record RealizedTotal(int Applied, int Measured, decimal PredictedMonthlyUsd, decimal RealizedMonthlyUsd);

/// <summary>Changes made through BatchInsights, read from the audit log (the harvest keeps only each CE's latest state).</summary>
public sealed class ChangeHistory(IDbContextFactory<BatchInsightsDbContext> dbFactory, IOptions<CostOptions> costOptions, TimeProvider clock)
{
    /// <summary>At most this many days on each side of the apply day are compared.</summary>
    public const int MaxDays = 14;

    private const long DayMs = 86_400_000L;
    private const decimal DaysPerMonth = 30.4m;

    /// <summary>Accepted applies and rollbacks made in [fromMs, toMs), oldest first.</summary>
    public async Task<IReadOnlyList<CeChange>> ListAsync(long fromMs, long toMs, CancellationToken cancellationToken = default)
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(fromMs).UtcDateTime;
        var to = DateTimeOffset.FromUnixTimeMilliseconds(toMs).UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.AuditEntries.AsNoTracking()
            .Where(e => (e.Action == AuditAction.Apply || e.Action == AuditAction.Rollback) && e.Result == AuditResult.Succeeded && e.At >= from && e.At < to)
            .OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return await DescribeAsync(db, rows, cancellationToken);
    }

    /// <summary>Every applied recommendation not rolled back, with the total predicted and the total measured so far.</summary>
    public async Task<RealizedTotal> RealizedAsync(string? account = null, string? region = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == AuditAction.Apply && e.Result == AuditResult.Succeeded && e.RecommendationId != null
                && (account == null || e.Account == account) && (region == null || e.Region == region))
            .OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var changes = (await DescribeAsync(db, rows, cancellationToken)).Where(c => c.RolledBackAt is null).ToList();
        var measured = changes.Where(c => c.Realized is not null).ToList();
        return new RealizedTotal(changes.Count, measured.Count, changes.Sum(c => c.PredictedMonthlyUsd ?? 0m), measured.Sum(c => c.Realized!.MonthlyUsd));
    }

    private async Task<IReadOnlyList<CeChange>> DescribeAsync(BatchInsightsDbContext db, List<AuditEntryRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.Id).ToList();
        var rollbacks = await db.AuditEntries.AsNoTracking()
            .Where(e => e.ParentId != null && ids.Contains(e.ParentId.Value) && e.Action == AuditAction.Rollback && e.Result == AuditResult.Succeeded)
            .Select(e => new { Parent = e.ParentId!.Value, e.At }).ToListAsync(cancellationToken);
        var recommendationIds = rows.Where(r => r.RecommendationId is not null).Select(r => r.RecommendationId!.Value).Distinct().ToList();
        var predicted = await db.Recommendations.AsNoTracking().Where(r => recommendationIds.Contains(r.Id))
            .Select(r => new { r.Id, r.MonthlySavingsMicroUsd }).ToDictionaryAsync(r => r.Id, r => r.MonthlySavingsMicroUsd / 1_000_000m, cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var result = new List<CeChange>(rows.Count);
        foreach (var r in rows)
        {
            var rolledBack = rollbacks.Where(b => b.Parent == r.Id).Select(b => (DateTime?)b.At).Min();
            var realized = r.Action == AuditAction.Apply ? await MeasureAsync(db, r, rolledBack, now, cancellationToken) : null;
            result.Add(new CeChange(r.Id, r.At, r.Account, r.Region, r.ComputeEnvironment, r.Action, Summarize(r.RequestJson), r.Actor,
                r.RecommendationId, rolledBack, r.RecommendationId is { } rec && predicted.TryGetValue(rec, out var p) ? p : null, realized));
        }

        return result;
    }

    private async Task<RealizedSavings?> MeasureAsync(BatchInsightsDbContext db, AuditEntryRow apply, DateTime? rolledBackAt, long nowMs, CancellationToken cancellationToken)
    {
        var applyDay = Floor(new DateTimeOffset(DateTime.SpecifyKind(apply.At, DateTimeKind.Utc)).ToUnixTimeMilliseconds());
        var afterStart = applyDay + DayMs;
        // The apply day itself is mixed; after a rollback the change no longer runs.
        var afterEnd = Floor(rolledBackAt is { } back ? new DateTimeOffset(DateTime.SpecifyKind(back, DateTimeKind.Utc)).ToUnixTimeMilliseconds() : nowMs);
        var view = costOptions.Value.EffectiveTagKeys is { Count: > 0 } keys ? keys[0] : "";
        var daily = db.CostRollups.AsNoTracking().Where(c => c.PeriodHours == 24 && c.TagKey == view
            && c.Account == apply.Account && c.Region == apply.Region && c.ComputeEnvironment == apply.ComputeEnvironment);
        var first = await daily.MinAsync(c => (long?)c.PeriodStartMs, cancellationToken);
        if (first is null)
        {
            return null;
        }

        var days = (int)Math.Min(MaxDays, Math.Min((afterEnd - afterStart) / DayMs, (applyDay - first.Value) / DayMs));
        if (days < 1)
        {
            return null;
        }

        var beforeFrom = applyDay - (days * DayMs);
        var afterTo = afterStart + (days * DayMs);
        var costBefore = await daily.Where(c => c.PeriodStartMs >= beforeFrom && c.PeriodStartMs < applyDay).SumAsync(c => c.CostMicroUsd, cancellationToken) / 1_000_000m;
        var costAfter = await daily.Where(c => c.PeriodStartMs >= afterStart && c.PeriodStartMs < afterTo).SumAsync(c => c.CostMicroUsd, cancellationToken) / 1_000_000m;
        var attempts = db.AttemptCosts.AsNoTracking().Where(a => a.Account == apply.Account && a.Region == apply.Region && a.ComputeEnvironment == apply.ComputeEnvironment);
        var hoursBefore = await attempts.Where(a => a.StartedAtMs >= beforeFrom && a.StartedAtMs < applyDay).SumAsync(a => (double)(a.StoppedAtMs - a.StartedAtMs), cancellationToken) / 3_600_000d;
        var hoursAfter = await attempts.Where(a => a.StartedAtMs >= afterStart && a.StartedAtMs < afterTo).SumAsync(a => (double)(a.StoppedAtMs - a.StartedAtMs), cancellationToken) / 3_600_000d;

        decimal monthly;
        string basis;
        if (hoursBefore > 0 && hoursAfter > 0)
        {
            var rateBefore = costBefore / (decimal)hoursBefore;
            var rateAfter = costAfter / (decimal)hoursAfter;
            monthly = (rateBefore - rateAfter) * (decimal)(hoursAfter / days) * DaysPerMonth;
            basis = $"cost per job-hour {rateBefore:0.####} → {rateAfter:0.####} USD over {days} day(s) each side, at the {hoursAfter / days:0.#} job-hours/day run since";
        }
        else
        {
            monthly = (costBefore - costAfter) / days * DaysPerMonth;
            basis = $"cost per day over {days} day(s) each side (no job-hours to adjust for workload)";
        }

        return new RealizedSavings(days, decimal.Round(costBefore / days, 2), decimal.Round(costAfter / days, 2), hoursBefore / days, hoursAfter / days,
            decimal.Round(monthly, 2), basis);
    }

    /// <summary>"bidPercentage=80, instanceTypes=c6i,m6i" from the UpdateComputeEnvironment request the audit recorded.</summary>
    internal static string Summarize(string? requestJson)
    {
        if (string.IsNullOrEmpty(requestJson))
        {
            return "(request not recorded)";
        }

        ComputeEnvironmentUpdate? update;
        try
        {
            update = JsonSerializer.Deserialize<ComputeEnvironmentUpdate>(requestJson, ApplyService.Json);
        }
        catch (JsonException)
        {
            return "(request not readable)";
        }

        if (update is null)
        {
            return "(request not readable)";
        }

        var parts = new List<string>();
        void Add(string field, object? value)
        {
            if (value is not null)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{field}={value}"));
            }
        }

        Add("state", update.State);
        Add("minvCpus", update.MinvCpus);
        Add("maxvCpus", update.MaxvCpus);
        Add("desiredvCpus", update.DesiredvCpus);
        Add("instanceTypes", update.InstanceTypes is { } types ? string.Join(",", types) : null);
        Add("bidPercentage", update.BidPercentage);
        Add("allocationStrategy", update.AllocationStrategy);
        return parts.Count == 0 ? "(no field changed)" : string.Join(", ", parts);
    }

    private static long Floor(long ms) => ms / DayMs * DayMs;
}
