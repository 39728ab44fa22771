using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Apply;

/// <summary>What an audit entry records.</summary>
public static class AuditAction
{
    /// <summary>An apply or rollback that was refused before any call (wrong name, AWS would reject it, applying is off…).</summary>
    public const string PreviewRefused = "preview-refused";
    public const string Apply = "apply";
    public const string Rollback = "rollback";

    /// <summary>The CE changed between the diff shown and the confirmation: nothing was sent.</summary>
    public const string Conflict = "conflict";

    /// <summary>How an accepted update ended (the CE's status left UPDATING, or we stopped waiting).</summary>
    public const string Outcome = "outcome";
}

public static class AuditResult
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Refused = "refused";
    public const string Conflict = "conflict";
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string TimedOut = "timed-out";
}

/// <summary>One audit entry as pages and the API show it.</summary>
public sealed record AuditEntry(
    long Id,
    DateTime At,
    string Actor,
    string Action,
    string Account,
    string Region,
    string ComputeEnvironment,
    long? RecommendationId,
    long? ParentId,
    string? BeforeJson,
    string? RequestJson,
    string? AfterJson,
    string? AwsRequestId,
    string Result,
    string? Message)
{
    /// <summary>Only an update AWS accepted has a "before" worth restoring.</summary>
    public bool CanRollBack => Action == AuditAction.Apply && Result == AuditResult.Succeeded && BeforeJson is not null;
}

/// <summary>What is written; the log adds the id and the time.</summary>
public sealed record AuditDraft(
    string Actor,
    string Action,
    string Account,
    string Region,
    string ComputeEnvironment,
    string Result,
    string? Message = null,
    long? RecommendationId = null,
    long? ParentId = null,
    string? BeforeJson = null,
    string? RequestJson = null,
    string? AfterJson = null,
    string? AwsRequestId = null);

/// <summary>"Applied by … at …" for a recommendation: its latest accepted apply, how it ended, and whether it was rolled back.</summary>
public sealed record AppliedMark(long AuditId, string Actor, DateTime At, string? Outcome, string? RolledBackBy, DateTime? RolledBackAt);

/// <summary>The append-only audit log (rows are only ever added; see <see cref="AuditEntryRow"/>).</summary>
public sealed class AuditLog(IDbContextFactory<BatchInsightsDbContext> dbFactory, TimeProvider timeProvider)
{
    public const int MaxLimit = 500;

    public async Task<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = new AuditEntryRow
        {
            At = timeProvider.GetUtcNow().UtcDateTime,
            Actor = string.IsNullOrWhiteSpace(draft.Actor) ? "anonymous" : draft.Actor.Trim(),
            Action = draft.Action,
            Account = draft.Account,
            Region = draft.Region,
            ComputeEnvironment = draft.ComputeEnvironment,
            RecommendationId = draft.RecommendationId,
            ParentId = draft.ParentId,
            BeforeJson = draft.BeforeJson,
            RequestJson = draft.RequestJson,
            AfterJson = draft.AfterJson,
            AwsRequestId = draft.AwsRequestId,
            Result = draft.Result,
            Message = draft.Message,
        };
        db.AuditEntries.Add(row);
        // Outcomes and rollbacks can be written in a background job while no request is running: never cancel half-way.
        await db.SaveChangesAsync(CancellationToken.None);
        return ToEntry(row);
    }

    /// <summary>Newest first; <paramref name="before"/> (an id) pages back.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit = 100, long? before = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsNoTracking();
        if (before is { } b)
        {
            query = query.Where(e => e.Id < b);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, MaxLimit)).ToListAsync(cancellationToken);
        return rows.Select(ToEntry).ToList();
    }

    public async Task<AuditEntry?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.AuditEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        return row is null ? null : ToEntry(row);
    }

    /// <summary>The entries that follow <paramref name="parentId"/> (its outcome, rollbacks), oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ChildrenAsync(long parentId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.AuditEntries.AsNoTracking().Where(e => e.ParentId == parentId).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return rows.Select(ToEntry).ToList();
    }

    /// <summary>Derived, never stored on the recommendation: the latest apply of it that AWS accepted, or null.</summary>
    public async Task<AppliedMark?> AppliedAsync(long recommendationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var apply = await db.AuditEntries.AsNoTracking()
            .Where(e => e.RecommendationId == recommendationId && e.Action == AuditAction.Apply && e.Result == AuditResult.Succeeded)
            .OrderByDescending(e => e.Id).FirstOrDefaultAsync(cancellationToken);
        if (apply is null)
        {
            return null;
        }

        var children = await ChildrenAsync(apply.Id, cancellationToken);
        var outcome = children.LastOrDefault(c => c.Action == AuditAction.Outcome);
        var rollback = children.LastOrDefault(c => c.Action == AuditAction.Rollback && c.Result == AuditResult.Succeeded);
        return new AppliedMark(apply.Id, apply.Actor, apply.At, outcome?.Result, rollback?.Actor, rollback?.At);
    }

    private static AuditEntry ToEntry(AuditEntryRow r) => new(
        r.Id, r.At, r.Actor, r.Action, r.Account, r.Region, r.ComputeEnvironment, r.RecommendationId, r.ParentId,
        r.BeforeJson, r.RequestJson, r.AfterJson, r.AwsRequestId, r.Result, r.Message);
}
