namespace BatchInsights.Core.Data;

/// <summary>
/// One built weekly cost report (Core/Reports): the week's numbers as the JSON of a <c>WeeklyReport</c> record.
/// Rebuilding a week replaces its row; <see cref="SchemaVersion"/> says which shape the payload has.
/// </summary>
public sealed class WeeklyReportRow
{
    /// <summary>The ISO week, "2026-W47".</summary>
    public required string Week { get; set; }
    /// <summary>The IANA/Windows zone id the week's Monday-to-Monday was taken in (Reports:TimeZone when built).</summary>
    public required string TimeZone { get; set; }
    public DateTime BuiltAt { get; set; }
    public int SchemaVersion { get; set; }
    public required string PayloadJson { get; set; }
}
