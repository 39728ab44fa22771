using System.Text.Json;
using System.Text.Json.Serialization;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Recommendations;

/// <summary>A stored recommendation of the latest run, as lists show it.</summary>
public sealed record RecommendationSummary(
    long Id,
    long RunId,
    string RuleId,
    string Fingerprint,
    string Account,
    string Region,
    string TargetKind,
    string TargetName,
    string Title,
    string Summary,
    decimal MonthlySavingsUsd,
    decimal LowSavingsUsd,
    decimal HighSavingsUsd,
    string Confidence,
    string Severity,
    DateTime CreatedAt,
    RecommendationDismissal? Dismissal);

public sealed record RecommendationDismissal(string Reason, string DismissedBy, DateTime DismissedAt);

/// <summary>An earlier run's recommendation on the same rule and target.</summary>
public sealed record RecommendationHistoryItem(long Id, long RunId, DateTime CreatedAt, string Fingerprint, decimal MonthlySavingsUsd, string Title);

public sealed record RecommendationDetail(
    RecommendationSummary Recommendation,
    string? TargetArn,
    IReadOnlyList<ProposedChange> Changes,
    IReadOnlyList<EvidenceItem> Evidence,
    IReadOnlyList<string> Assumptions,
    IReadOnlyList<RecommendationHistoryItem> History);

public sealed record RecommendationRunSummary(long Id, DateTime StartedAt, DateTime? EndedAt, string Outcome, int Recommendations, int JobsSeen, string? Error);

/// <summary>Persistence of runs, recommendations and dismissals; the page and the API read through it.</summary>
public sealed class RecommendationStore(IDbContextFactory<BatchInsightsDbContext> dbFactory, TimeProvider timeProvider)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<long> StartRunAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = new RecommendationRunRow { StartedAt = timeProvider.GetUtcNow().UtcDateTime, Outcome = HarvestOutcome.Running };
        db.RecommendationRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return run.Id;
    }

    /// <summary>Stores the run's recommendations and marks it succeeded, in one transaction.</summary>
    public async Task CompleteRunAsync(long runId, IReadOnlyList<Recommendation> recommendations, int jobsSeen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        foreach (var r in recommendations)
        {
            db.Recommendations.Add(new RecommendationRow
            {
                RunId = runId,
                RuleId = r.RuleId,
                Fingerprint = r.Fingerprint,
                Account = r.Target.Account,
                Region = r.Target.Region,
                TargetKind = r.Target.Kind.ToString(),
                TargetName = r.Target.Name,
                TargetArn = r.Target.Arn,
                Title = r.Title,
                Summary = r.Summary,
                MonthlySavingsMicroUsd = ToMicro(r.Savings.MonthlyUsd),
                LowSavingsMicroUsd = ToMicro(r.Savings.LowUsd),
                HighSavingsMicroUsd = ToMicro(r.Savings.HighUsd),
                Confidence = r.Confidence.ToString(),
                Severity = r.Severity.ToString(),
                ChangesJson = JsonSerializer.Serialize(r.Changes, Json),
                EvidenceJson = JsonSerializer.Serialize(r.Evidence, Json),
                AssumptionsJson = JsonSerializer.Serialize(r.Assumptions, Json),
                CreatedAt = now,
            });
        }

        var run = await db.RecommendationRuns.SingleAsync(x => x.Id == runId, cancellationToken);
        run.Outcome = HarvestOutcome.Succeeded;
        run.EndedAt = now;
        run.Recommendations = recommendations.Count;
        run.JobsSeen = jobsSeen;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task FailRunAsync(long runId, string error, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.RecommendationRuns.SingleAsync(x => x.Id == runId, cancellationToken);
        run.Outcome = HarvestOutcome.Failed;
        run.EndedAt = timeProvider.GetUtcNow().UtcDateTime;
        run.Error = error;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RecommendationRunSummary>> ListRunsAsync(int limit = 20, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RecommendationRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(limit)
            .Select(r => new RecommendationRunSummary(r.Id, r.StartedAt, r.EndedAt, r.Outcome, r.Recommendations, r.JobsSeen, r.Error))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The latest succeeded run's recommendations, largest savings first. Dismissed ones (their fingerprint was dismissed)
    /// are left out unless <paramref name="includeDismissed"/>.
    /// </summary>
    public async Task<IReadOnlyList<RecommendationSummary>> ListLatestAsync(TargetFilter target, bool includeDismissed = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runId = await db.RecommendationRuns.AsNoTracking().Where(r => r.Outcome == HarvestOutcome.Succeeded)
            .OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
        if (runId is null)
        {
            return [];
        }

        var query = db.Recommendations.AsNoTracking().Where(r => r.RunId == runId);
        if (target.Account is { } account)
        {
            query = query.Where(r => r.Account == account);
        }

        if (target.Region is { } region)
        {
            query = query.Where(r => r.Region == region);
        }

        var rows = await query.ToListAsync(cancellationToken);
        var dismissals = await DismissalsAsync(db, rows.Select(r => r.Fingerprint), cancellationToken);
        return rows.Select(r => ToSummary(r, dismissals.GetValueOrDefault(r.Fingerprint)))
            .Where(r => includeDismissed || r.Dismissal is null)
            .OrderByDescending(r => r.MonthlySavingsUsd).ThenBy(r => r.Id).ToList();
    }

    public async Task<RecommendationDetail?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Recommendations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var dismissals = await DismissalsAsync(db, [row.Fingerprint], cancellationToken);
        var history = await db.Recommendations.AsNoTracking()
            .Where(r => r.RuleId == row.RuleId && r.Account == row.Account && r.Region == row.Region && r.TargetName == row.TargetName && r.Id != row.Id)
            .OrderByDescending(r => r.Id).Take(50)
            .Select(r => new { r.Id, r.RunId, r.CreatedAt, r.Fingerprint, r.MonthlySavingsMicroUsd, r.Title })
            .ToListAsync(cancellationToken);
        return new RecommendationDetail(
            ToSummary(row, dismissals.GetValueOrDefault(row.Fingerprint)),
            row.TargetArn,
            JsonSerializer.Deserialize<List<ProposedChange>>(row.ChangesJson, Json) ?? [],
            JsonSerializer.Deserialize<List<EvidenceItem>>(row.EvidenceJson, Json) ?? [],
            JsonSerializer.Deserialize<List<string>>(row.AssumptionsJson, Json) ?? [],
            history.Select(h => new RecommendationHistoryItem(h.Id, h.RunId, h.CreatedAt, h.Fingerprint, h.MonthlySavingsMicroUsd / 1_000_000m, h.Title)).ToList());
    }

    /// <summary>
    /// Dismisses the recommendation's fingerprint: it stays hidden in later runs while rule, target, change and evidence
    /// bucket stay the same. Returns false when no recommendation has this id. Roles (Operator only) come with issue 6.
    /// </summary>
    public async Task<bool> DismissAsync(long id, string reason, string dismissedBy, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A reason is required to dismiss a recommendation.", nameof(reason));
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.Recommendations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
        {
            return false;
        }

        db.RecommendationDismissals.Add(new RecommendationDismissalRow
        {
            Fingerprint = row.Fingerprint,
            RuleId = row.RuleId,
            Account = row.Account,
            Region = row.Region,
            TargetName = row.TargetName,
            Reason = reason.Trim(),
            DismissedBy = string.IsNullOrWhiteSpace(dismissedBy) ? "anonymous" : dismissedBy.Trim(),
            DismissedAt = timeProvider.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static async Task<Dictionary<string, RecommendationDismissal>> DismissalsAsync(BatchInsightsDbContext db, IEnumerable<string> fingerprints, CancellationToken cancellationToken)
    {
        var set = fingerprints.Distinct(StringComparer.Ordinal).ToList();
        var rows = await db.RecommendationDismissals.AsNoTracking().Where(d => set.Contains(d.Fingerprint)).ToListAsync(cancellationToken);
        return rows.GroupBy(d => d.Fingerprint, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(d => d.Id).Select(d => new RecommendationDismissal(d.Reason, d.DismissedBy, d.DismissedAt)).First(), StringComparer.Ordinal);
    }

    private static RecommendationSummary ToSummary(RecommendationRow r, RecommendationDismissal? dismissal) => new(
        r.Id, r.RunId, r.RuleId, r.Fingerprint, r.Account, r.Region, r.TargetKind, r.TargetName, r.Title, r.Summary,
        r.MonthlySavingsMicroUsd / 1_000_000m, r.LowSavingsMicroUsd / 1_000_000m, r.HighSavingsMicroUsd / 1_000_000m,
        r.Confidence, r.Severity, r.CreatedAt, dismissal);

    private static long ToMicro(decimal usd) => (long)decimal.Round(usd * 1_000_000m, MidpointRounding.AwayFromZero);
}
