using BatchInsights.Core.Apply;
using System.Text.Json;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Reports;

/// <summary>
/// Builds, stores and renders the weekly cost report (issue 5). Every cost figure goes through <see cref="CostQueries"/> over the
/// week's UTC range, so the report equals the Costs page/API for the same range; only the per-job lists (top jobs, failure cost,
/// Spot savings) read <c>attempt_costs</c>, by target and start time (its index), for the attempts that started in the week.
/// </summary>
public sealed class WeeklyReportService(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    CostQueries costs,
    RecommendationStore recommendations,
    IInstanceCatalog catalog,
    IOptions<CostOptions> costOptions,
    IOptions<ReportOptions> options,
    TimeProvider clock) : IWeeklyReportSource
{
    public const int TopCount = 20;

    public const string NoChangesNote =
        "No compute environment was changed through BatchInsights this week. Changes made elsewhere (console, Terraform, CloudFormation) are not listed: the harvest keeps only each CE's latest state.";

    public const string ChangesNote =
        "Changes applied or rolled back through BatchInsights (from the audit log); changes made elsewhere are not listed. Realized savings compare the CE's cost per job-hour before and after (whole UTC days, up to 14 each side), once a full day has passed.";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public TimeZoneInfo Zone => options.Value.ResolveTimeZone();

    public async Task BuildAsync(IsoWeek week, CancellationToken cancellationToken = default) => await BuildReportAsync(week, cancellationToken);

    /// <summary>Computes and stores the week (replacing an earlier build); returns what was stored.</summary>
    public async Task<WeeklyReport> BuildReportAsync(IsoWeek week, CancellationToken cancellationToken = default)
    {
        var report = await ComputeAsync(week, Zone, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = week.ToString();
        var row = await db.WeeklyReports.FirstOrDefaultAsync(r => r.Week == key, cancellationToken);
        if (row is null)
        {
            row = new WeeklyReportRow { Week = key, TimeZone = report.TimeZone, PayloadJson = "" };
            db.WeeklyReports.Add(row);
        }

        row.TimeZone = report.TimeZone;
        row.BuiltAt = report.BuiltAt;
        row.SchemaVersion = WeeklyReport.CurrentSchemaVersion;
        row.PayloadJson = JsonSerializer.Serialize(report, Json);
        await db.SaveChangesAsync(cancellationToken);
        return report;
    }

    public async Task<RenderedReport?> RenderAsync(IsoWeek week, CancellationToken cancellationToken = default) =>
        await GetAsync(week, cancellationToken) is { } report ? ReportRenderer.Render(report) : null;

    /// <summary>The stored report of a week; null when it was never built.</summary>
    public async Task<WeeklyReport?> GetAsync(IsoWeek week, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = week.ToString();
        var json = await db.WeeklyReports.AsNoTracking().Where(r => r.Week == key).Select(r => r.PayloadJson).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize<WeeklyReport>(json, Json);
    }

    /// <summary>The archive: stored weeks, newest first.</summary>
    public async Task<IReadOnlyList<WeeklyReportSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.WeeklyReports.AsNoTracking().OrderByDescending(r => r.Week).ToListAsync(cancellationToken);
        return rows.Select(r =>
        {
            var report = JsonSerializer.Deserialize<WeeklyReport>(r.PayloadJson, Json)!;
            return new WeeklyReportSummary(r.Week, r.TimeZone, r.BuiltAt, report.Totals.TotalUsd, report.ChangePercent);
        }).ToList();
    }

    /// <summary>The week's numbers (not stored).</summary>
    public async Task<WeeklyReport> ComputeAsync(IsoWeek week, TimeZoneInfo zone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var (from, to) = week.UtcRangeMs(zone);
        var previous = week.Previous();
        var (prevFrom, prevTo) = previous.UtcRangeMs(zone);

        var groupings = new List<(CostGrouping Grouping, string Title)>
        {
            (CostGrouping.Queue, "Queue"), (CostGrouping.ComputeEnvironment, "Compute environment"), (CostGrouping.Definition, "Job definition"),
        };
        groupings.AddRange(costOptions.Value.EffectiveTagKeys.Select(k => (new CostGrouping("tag", k), $"Tag: {k}")));

        var tables = new List<ReportGroupTable>();
        CostReport? current = null, before = null, ceNow = null, cePrev = null, defNow = null, defPrev = null;
        foreach (var (grouping, title) in groupings)
        {
            var now = await costs.GetAsync(grouping, from, to, TargetFilter.All, cancellationToken);
            var prev = await costs.GetAsync(grouping, prevFrom, prevTo, TargetFilter.All, cancellationToken);
            tables.Add(new ReportGroupTable(grouping.ToString(), title, GroupRows(now, prev)));
            if (grouping == CostGrouping.Queue)
            {
                (current, before) = (now, prev);
            }
            else if (grouping == CostGrouping.ComputeEnvironment)
            {
                (ceNow, cePrev) = (now, prev);
            }
            else if (grouping == CostGrouping.Definition)
            {
                (defNow, defPrev) = (now, prev);
            }
        }

        var days = new List<ReportDay>();
        for (var i = 0; i < 7; i++)
        {
            // Local days of the report zone (a UTC day would split a Berlin Monday); each is one CostQueries call.
            var date = week.Monday.AddDays(i);
            var dayFrom = IsoWeek.LocalMidnightUtcMs(date, zone);
            var dayTo = IsoWeek.LocalMidnightUtcMs(date.AddDays(1), zone);
            var day = await costs.GetAsync(CostGrouping.Queue, dayFrom, dayTo, TargetFilter.All, cancellationToken);
            days.Add(new ReportDay(date, dayFrom, dayTo, day.TotalUsd));
        }

        var idle = ceNow!.Groups.Where(g => g.IdleUsd > 0 || cePrev!.Groups.Any(p => p.Key == g.Key && p.IdleUsd > 0))
            .Select(g => new ReportIdle(g.Key, g.IdleUsd, g.TotalUsd, ReportMath.Percent(g.IdleUsd, g.TotalUsd),
                cePrev!.Groups.FirstOrDefault(p => p.Key == g.Key)?.IdleUsd ?? 0m))
            .OrderByDescending(i => i.IdleUsd).ThenBy(i => i.ComputeEnvironment, StringComparer.Ordinal).ToList();

        var topDefinitions = defNow!.Groups.Where(g => !g.IsIdle).Take(TopCount).Select(g =>
        {
            var prev = defPrev!.Groups.FirstOrDefault(p => p.Key == g.Key)?.TotalUsd ?? 0m;
            return new ReportTopDefinition(g.Key, g.TotalUsd, prev, ReportMath.ChangePercent(g.TotalUsd, prev), g.Attempts);
        }).ToList();

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tagKeys = costOptions.Value.EffectiveTagKeys;
        var targets = await TargetsAsync(db, tagKeys.Count == 0 ? "" : tagKeys[0], from, to, cancellationToken);
        var topJobs = await TopJobsAsync(db, targets, from, to, cancellationToken);
        var failures = await FailuresAsync(db, targets, from, to, cancellationToken);
        var spot = await SpotSavingsAsync(db, targets, from, to, cancellationToken);

        var open = await recommendations.ListLatestAsync(TargetFilter.All, includeDismissed: false, cancellationToken);
        var recs = new ReportRecommendations(open.Count, open.Sum(r => r.MonthlySavingsUsd),
            open.Where(r => r.MonthlySavingsUsd > 0).OrderByDescending(r => r.MonthlySavingsUsd).ThenBy(r => r.Id).Take(TopCount)
                .Select(r => new ReportRecommendation(r.Id, r.Title, r.TargetKind, r.TargetName, r.MonthlySavingsUsd, r.Confidence, r.Severity)).ToList());

        return new WeeklyReport(WeeklyReport.CurrentSchemaVersion, week.ToString(), previous.ToString(), zone.Id, from, to,
            clock.GetUtcNow().UtcDateTime, Totals(current!), Totals(before!), days, tables, spot, idle, topJobs, topDefinitions, failures, recs,
            await CeChangesAsync(from, to, cancellationToken), await CostsCompleteThroughAsync(db, targets, cancellationToken));
    }

    private async Task<ReportCeChanges> CeChangesAsync(long from, long to, CancellationToken cancellationToken)
    {
        var changes = await new ChangeHistory(dbFactory, costOptions, clock).ListAsync(from, to, cancellationToken);
        return new ReportCeChanges(true, changes.Count == 0 ? NoChangesNote : ChangesNote, changes.Select(c => new ReportCeChange(
            c.At, c.ComputeEnvironment, (c.Action == AuditAction.Rollback ? "rollback: " : "") + c.Summary + (c.RolledBackAt is { } back ? $" (rolled back {back:yyyy-MM-dd HH:mm})" : ""),
            c.Actor, c.PredictedMonthlyUsd, c.Realized?.MonthlyUsd, c.Realized?.Basis)).ToList());
    }

    /// <summary>
    /// How far every target's cost roll-up has got (its "costs" watermark; a target with costs but no watermark yet is at 0,
    /// its first run still going). Null when no target has costs at all.
    /// </summary>
    private static async Task<long?> CostsCompleteThroughAsync(BatchInsightsDbContext db, List<(string Account, string Region)> withCosts, CancellationToken cancellationToken)
    {
        var marks = (await db.HarvestWatermarks.AsNoTracking().Where(w => w.Scope == CostRollupService.WatermarkScope)
                .Select(w => new { w.Account, w.Region, w.ValueMs }).ToListAsync(cancellationToken))
            .ToDictionary(w => (w.Account, w.Region), w => w.ValueMs);
        var all = marks.Keys.Union(withCosts).ToList();
        return all.Count == 0 ? null : all.Min(t => marks.GetValueOrDefault(t, 0L));
    }

    private static ReportTotals Totals(CostReport r) =>
        new(r.TotalUsd, r.AttemptUsd, r.IdleUsd, r.SpotUsd, r.OnDemandUsd, r.FargateUsd, r.EstimatedUsd, r.Groups.Sum(g => g.Attempts));

    private static List<ReportGroupRow> GroupRows(CostReport now, CostReport prev)
    {
        var previous = prev.Groups.ToDictionary(g => g.Key, StringComparer.Ordinal);
        var rows = now.Groups.Select(g =>
        {
            var p = previous.GetValueOrDefault(g.Key)?.TotalUsd ?? 0m;
            return new ReportGroupRow(g.Key, g.IsIdle, g.TotalUsd, p, ReportMath.ChangePercent(g.TotalUsd, p), g.SpotUsd, g.OnDemandUsd, g.FargateUsd,
                g.IdleUsd, g.EstimatedUsd, g.Attempts);
        }).ToList();
        // Groups that cost something last week and nothing this week: a drop to zero is a change worth seeing.
        var seen = now.Groups.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        rows.AddRange(prev.Groups.Where(g => !seen.Contains(g.Key))
            .Select(g => new ReportGroupRow(g.Key, g.IsIdle, 0m, g.TotalUsd, -100m, 0m, 0m, 0m, 0m, 0m, 0)));
        return rows;
    }

    /// <summary>The (account, region) pairs with attempt costs in the week: each later query then filters the index's leading columns.</summary>
    private static async Task<List<(string Account, string Region)>> TargetsAsync(BatchInsightsDbContext db, string tagKey, long from, long to, CancellationToken cancellationToken)
    {
        // One tag key's copy of the daily roll-ups (each key holds every cost), as CostQueries reads them: the (PeriodHours, TagKey, PeriodStartMs) index.
        var dayFrom = CostLedger.DayStart(from);
        var pairs = await db.CostRollups.AsNoTracking().Where(r => r.PeriodHours == 24 && r.TagKey == tagKey && r.PeriodStartMs >= dayFrom && r.PeriodStartMs < to)
            .Select(r => new { r.Account, r.Region }).Distinct().ToListAsync(cancellationToken);
        return pairs.Select(p => (p.Account, p.Region)).ToList();
    }

    private static async Task<List<ReportTopJob>> TopJobsAsync(BatchInsightsDbContext db, List<(string Account, string Region)> targets, long from, long to,
        CancellationToken cancellationToken)
    {
        var top = new List<(string Account, string Region, string JobId, int Attempts, long Micros, bool Estimated, string Queue, string Definition)>();
        foreach (var (account, region) in targets)
        {
            var rows = await db.AttemptCosts.AsNoTracking()
                .Where(a => a.Account == account && a.Region == region && a.StartedAtMs >= from && a.StartedAtMs < to)
                .GroupBy(a => a.JobId)
                .Select(g => new
                {
                    JobId = g.Key, Attempts = g.Count(), Micros = g.Sum(a => a.CostMicroUsd), Estimated = g.Max(a => a.Estimated ? 1 : 0),
                    Queue = g.Max(a => a.QueueName), Definition = g.Max(a => a.JobDefinition),
                })
                .OrderByDescending(g => g.Micros).ThenBy(g => g.JobId).Take(TopCount).ToListAsync(cancellationToken);
            top.AddRange(rows.Select(r => (account, region, r.JobId, r.Attempts, r.Micros, r.Estimated == 1, r.Queue ?? "", r.Definition ?? "")));
        }

        var chosen = top.OrderByDescending(t => t.Micros).ThenBy(t => t.JobId, StringComparer.Ordinal).Take(TopCount).ToList();
        // Job names: one query per target for the (at most 20) chosen ids, not one per job.
        var names = new Dictionary<(string, string, string), string>();
        foreach (var target in chosen.GroupBy(t => (t.Account, t.Region)))
        {
            var ids = target.Select(t => t.JobId).ToList();
            var found = await db.Jobs.AsNoTracking().Where(j => j.Account == target.Key.Account && j.Region == target.Key.Region && ids.Contains(j.JobId))
                .Select(j => new { j.JobId, j.JobName }).ToListAsync(cancellationToken);
            foreach (var f in found)
            {
                names[(target.Key.Account, target.Key.Region, f.JobId)] = f.JobName;
            }
        }

        return chosen.Select(t => new ReportTopJob(t.Account, t.Region, t.JobId, names.GetValueOrDefault((t.Account, t.Region, t.JobId), ""),
            t.Queue, t.Definition, t.Attempts, Usd(t.Micros), t.Estimated)).ToList();
    }

    private static async Task<List<ReportFailureCost>> FailuresAsync(BatchInsightsDbContext db, List<(string Account, string Region)> targets, long from, long to,
        CancellationToken cancellationToken)
    {
        var failed = new List<(string Cause, string Queue, long Micros)>();
        foreach (var (account, region) in targets)
        {
            // The stuck-jobs rule's notion of a failed attempt: stopped with a non-zero exit code or none (a reclaimed host gives none).
            var rows = await (
                from c in db.AttemptCosts.AsNoTracking()
                where c.Account == account && c.Region == region && c.StartedAtMs >= @from && c.StartedAtMs < to
                join a in db.JobAttempts.AsNoTracking() on new { c.Account, c.Region, c.JobId, c.AttemptIndex } equals new { a.Account, a.Region, a.JobId, a.AttemptIndex }
                where a.StoppedAtMs != null && (a.ExitCode == null || a.ExitCode != 0)
                select new { c.QueueName, c.CostMicroUsd, a.ExitCode, a.StatusReason, a.Reason }).ToListAsync(cancellationToken);
            failed.AddRange(rows.Select(r => (RecommendationInputLoader.FailureCause(r.ExitCode, r.StatusReason, r.Reason), r.QueueName, r.CostMicroUsd)));
        }

        return failed.GroupBy(f => f.Cause, StringComparer.Ordinal)
            .Select(g => new ReportFailureCost(g.Key, RecommendationInputLoader.FailureCauseLabel(g.Key), g.Count(), Usd(g.Sum(f => f.Micros)),
                g.GroupBy(f => f.Queue, StringComparer.Ordinal).OrderByDescending(q => q.Sum(f => f.Micros)).ThenBy(q => q.Key, StringComparer.Ordinal).First().Key))
            .OrderByDescending(f => f.CostUsd).ThenBy(f => f.Cause, StringComparer.Ordinal).ToList();
    }

    private async Task<ReportSpotSavings> SpotSavingsAsync(BatchInsightsDbContext db, List<(string Account, string Region)> targets, long from, long to,
        CancellationToken cancellationToken)
    {
        decimal spot = 0m, onDemand = 0m, unpriced = 0m;
        var attempts = 0;
        foreach (var (account, region) in targets)
        {
            var rows = await db.AttemptCosts.AsNoTracking()
                .Where(a => a.Account == account && a.Region == region && a.StartedAtMs >= from && a.StartedAtMs < to
                    && a.Lifecycle == CostLifecycle.Spot && a.InstanceType != null)
                .GroupBy(a => a.InstanceType)
                .Select(g => new { Type = g.Key, Attempts = g.Count(), Micros = g.Sum(a => a.CostMicroUsd), ShareMs = g.Sum(a => a.Share * (a.StoppedAtMs - a.StartedAtMs)) })
                .ToListAsync(cancellationToken);
            foreach (var r in rows)
            {
                attempts += r.Attempts;
                if (catalog.OnDemandPrice(r.Type!, region) is { } price)
                {
                    spot += Usd(r.Micros);
                    onDemand += price.UsdPerHour * (decimal)r.ShareMs / 3_600_000m;
                }
                else
                {
                    unpriced += Usd(r.Micros);
                }
            }
        }

        onDemand = decimal.Round(onDemand, 6);
        return new ReportSpotSavings(spot, onDemand, onDemand - spot, ReportMath.Percent(onDemand - spot, onDemand), unpriced, attempts);
    }

    private static decimal Usd(long micros) => micros / 1_000_000m;
}
