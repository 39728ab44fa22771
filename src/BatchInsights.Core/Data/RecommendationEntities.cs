namespace BatchInsights.Core.Data;

/// <summary>One run of all recommendation rules (the Hangfire job or a manual run).</summary>
public sealed class RecommendationRunRow
{
    public long Id { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    /// <summary>Running | Succeeded | Failed (<see cref="HarvestOutcome"/> values).</summary>
    public required string Outcome { get; set; }
    public int Recommendations { get; set; }
    public int JobsSeen { get; set; }
    public string? Error { get; set; }
}

/// <summary>
/// One recommendation of one run. Changes, evidence and assumptions are JSON (rendered generically by the page).
/// Savings are micro-USD (ADR 0002).
/// </summary>
public sealed class RecommendationRow
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public required string RuleId { get; set; }
    public required string Fingerprint { get; set; }
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string TargetKind { get; set; }
    public required string TargetName { get; set; }
    public string? TargetArn { get; set; }
    public required string Title { get; set; }
    public string Summary { get; set; } = "";
    public long MonthlySavingsMicroUsd { get; set; }
    public long LowSavingsMicroUsd { get; set; }
    public long HighSavingsMicroUsd { get; set; }
    public required string Confidence { get; set; }
    public required string Severity { get; set; }
    public string ChangesJson { get; set; } = "[]";
    public string EvidenceJson { get; set; } = "[]";
    public string AssumptionsJson { get; set; } = "[]";
    public DateTime CreatedAt { get; set; }
}

/// <summary>A user dismissed every recommendation with this fingerprint (who, when, why). New evidence = new fingerprint.</summary>
public sealed class RecommendationDismissalRow
{
    public long Id { get; set; }
    public required string Fingerprint { get; set; }
    public required string RuleId { get; set; }
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string TargetName { get; set; }
    public required string Reason { get; set; }
    public required string DismissedBy { get; set; }
    public DateTime DismissedAt { get; set; }
}
