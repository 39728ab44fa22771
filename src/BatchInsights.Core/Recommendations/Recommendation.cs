using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BatchInsights.Core.Recommendations;

/// <summary>What a recommendation is about.</summary>
public enum RecommendationTargetKind
{
    ComputeEnvironment,
    JobQueue,
    JobDefinition,
    Vpc,
}

public enum RecommendationConfidence
{
    Low,
    Medium,
    High,
}

public enum RecommendationSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>The resource a recommendation changes: account, region, kind and name (ARN when known).</summary>
public sealed record RecommendationTarget(
    string Account,
    string Region,
    RecommendationTargetKind Kind,
    string Name,
    string? Arn = null);

/// <summary>
/// One field of the proposed change, with the path as UpdateComputeEnvironment takes it
/// (e.g. <c>computeResources.instanceTypes</c>, <c>computeResources.bidPercentage</c>). Values are JSON-ish text:
/// a list is comma-separated, "(unset)" means the field is cleared.
/// </summary>
public sealed record ProposedChange(string FieldPath, string CurrentValue, string ProposedValue)
{
    public const string Unset = "(unset)";
}

/// <summary>Expected monthly savings in USD (30-day month) with a low/high range; negative = costs more (e.g. a fix for stuck jobs).</summary>
public sealed record SavingsEstimate(decimal MonthlyUsd, decimal LowUsd, decimal HighUsd)
{
    public static readonly SavingsEstimate None = new(0m, 0m, 0m);
}

public enum EvidenceKind
{
    /// <summary><see cref="EvidenceItem.Columns"/> + <see cref="EvidenceItem.Rows"/>.</summary>
    Table,

    /// <summary>Line chart: <see cref="EvidenceItem.Labels"/> on the x axis, one line per <see cref="EvidenceItem.Series"/>.</summary>
    Series,

    /// <summary>Bar chart: <see cref="EvidenceItem.Labels"/> are the buckets, one bar set per <see cref="EvidenceItem.Series"/>.</summary>
    Histogram,
}

/// <summary>One named line or bar set of a chart; values align with the item's labels.</summary>
public sealed record EvidenceSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// A piece of evidence the page renders generically: a table (columns + rows of text) or a chart (labels + series).
/// Kept as plain data so it round-trips through JSON storage unchanged.
/// </summary>
public sealed record EvidenceItem(
    EvidenceKind Kind,
    string Title,
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<string>> Rows,
    IReadOnlyList<string> Labels,
    IReadOnlyList<EvidenceSeries> Series,
    string? Note = null)
{
    public static EvidenceItem Table(string title, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, string? note = null) =>
        new(EvidenceKind.Table, title, columns, rows, [], [], note);

    public static EvidenceItem Chart(EvidenceKind kind, string title, IReadOnlyList<string> labels, IReadOnlyList<EvidenceSeries> series, string? note = null) =>
        new(kind, title, [], [], labels, series, note);
}

/// <summary>
/// One piece of advice from a rule: what to change, on what, why (evidence), how sure, and what it saves.
/// <see cref="EvidenceBucket"/> is a coarse digest of the evidence chosen by the rule (e.g. rounded savings and shape
/// mix): it enters the <see cref="Fingerprint"/>, so a dismissed recommendation comes back only when it changes.
/// </summary>
public sealed record Recommendation(
    string RuleId,
    RecommendationTarget Target,
    string Title,
    string Summary,
    IReadOnlyList<ProposedChange> Changes,
    SavingsEstimate Savings,
    RecommendationConfidence Confidence,
    RecommendationSeverity Severity,
    IReadOnlyList<EvidenceItem> Evidence,
    IReadOnlyList<string> Assumptions,
    string EvidenceBucket)
{
    /// <summary>Stable id of "this advice on this target given this evidence": rule + target + change + evidence bucket.</summary>
    public string Fingerprint => RecommendationFingerprint.Compute(this);
}

public static class RecommendationFingerprint
{
    public static string Compute(Recommendation recommendation)
    {
        ArgumentNullException.ThrowIfNull(recommendation);
        var t = recommendation.Target;
        var text = new StringBuilder()
            .Append(recommendation.RuleId).Append('\n')
            .Append(t.Account).Append('|').Append(t.Region).Append('|').Append(t.Kind.ToString()).Append('|').Append(t.Name).Append('\n');
        foreach (var change in recommendation.Changes.OrderBy(c => c.FieldPath, StringComparer.Ordinal))
        {
            // The current value is part of the change: if someone edits the CE, the advice is a new one.
            text.Append(change.FieldPath).Append('=').Append(change.CurrentValue).Append("->").Append(change.ProposedValue).Append('\n');
        }

        text.Append(recommendation.EvidenceBucket);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    /// <summary>
    /// A coarse bucket for a monthly amount: powers of two in dollars, so normal week-to-week noise keeps the same
    /// bucket while a doubling of the savings brings a dismissed recommendation back.
    /// </summary>
    public static string SavingsBucket(decimal monthlyUsd)
    {
        var abs = Math.Abs((double)monthlyUsd);
        var bucket = abs < 1 ? 0 : (int)Math.Floor(Math.Log2(abs)) + 1;
        return (monthlyUsd < 0 ? "-" : "") + bucket.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>A rule: pure, no I/O; one class per rule. Rules return nothing when they have no advice.</summary>
public interface IRecommendationRule
{
    string Id { get; }

    IEnumerable<Recommendation> Evaluate(RecommendationInput input);
}
