namespace BatchInsights.Core.Overview;

/// <summary>
/// What the Overview reads from configuration: the report time zone (<c>Reports:TimeZone</c>, default UTC), so the
/// page's "this week" is the same Monday-to-Monday as the weekly report's. Bound from the Reports section; the report
/// feature validates the value at start.
/// </summary>
public sealed class OverviewOptions
{
    public const string Section = "Reports";

    /// <summary>An IANA or Windows time zone id; weeks start Monday 00:00 there.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The zone, or an error naming the key when the id is unknown.</summary>
    public TimeZoneInfo ResolveTimeZone()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(TimeZone) ? "UTC" : TimeZone.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidOperationException($"{Section}:{nameof(TimeZone)} '{TimeZone}' is not a known time zone (e.g. \"UTC\", \"Europe/Berlin\").", e);
        }
    }
}
