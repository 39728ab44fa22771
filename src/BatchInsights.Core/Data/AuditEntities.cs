namespace BatchInsights.Core.Data;

/// <summary>
/// One line of the change audit log. Append-only: a row is never updated or deleted (the DbContext refuses to save
/// such a change); what happens later — the CE's status after an update, a rollback — is a new row whose
/// <see cref="ParentId"/> names the row it follows.
/// </summary>
public sealed class AuditEntryRow
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>Who asked (the signed-in user once sign-in exists; until then the string the caller gave, e.g. "anonymous").</summary>
    public required string Actor { get; set; }

    /// <summary><see cref="Apply.AuditAction"/>: preview-refused | apply | rollback | conflict | outcome.</summary>
    public required string Action { get; set; }

    public required string Account { get; set; }

    public required string Region { get; set; }

    public required string ComputeEnvironment { get; set; }

    /// <summary>The recommendation the change came from, if any (kept for rollbacks and outcomes too).</summary>
    public long? RecommendationId { get; set; }

    /// <summary>The entry this one follows: the apply an outcome or a rollback belongs to.</summary>
    public long? ParentId { get; set; }

    /// <summary>The CE as DescribeComputeEnvironments returned it just before the call (AWS's own JSON).</summary>
    public string? BeforeJson { get; set; }

    /// <summary>The UpdateComputeEnvironment request sent, or that would have been sent.</summary>
    public string? RequestJson { get; set; }

    /// <summary>The CE as re-read after the call (or at the outcome).</summary>
    public string? AfterJson { get; set; }

    public string? AwsRequestId { get; set; }

    /// <summary><see cref="Apply.AuditResult"/>: succeeded | failed | refused | conflict | valid | invalid | timed-out.</summary>
    public required string Result { get; set; }

    public string? Message { get; set; }
}
