using System.Globalization;

namespace BatchInsights.Core.Reports;

/// <summary>
/// An ISO-8601 week ("2026-W47"): Monday to Monday. Weekly reports cover one such week in the report time zone
/// (<c>Reports:TimeZone</c>), so a team in Berlin gets its Monday-to-Monday, not UTC's.
/// </summary>
public readonly record struct IsoWeek(int Year, int Week) : IComparable<IsoWeek>
{
    /// <summary>Parses "2026-W47" (case-insensitive 'W'); throws <see cref="FormatException"/> naming the expected shape.</summary>
    public static IsoWeek Parse(string value)
    {
        if (TryParse(value, out var week))
        {
            return week;
        }

        throw new FormatException($"'{value}' is not an ISO week; use YYYY-Www, e.g. 2026-W47.");
    }

    public static bool TryParse(string? value, out IsoWeek week)
    {
        week = default;
        var v = value?.Trim() ?? "";
        if (v.Length is < 7 or > 8 || v[4] != '-' || char.ToUpperInvariant(v[5]) != 'W'
            || !int.TryParse(v.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(v.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            || year is < 1 or > 9998 || w < 1 || w > ISOWeek.GetWeeksInYear(year))
        {
            return false;
        }

        week = new IsoWeek(year, w);
        return true;
    }

    /// <summary>The ISO week that contains <paramref name="localDate"/>.</summary>
    public static IsoWeek Containing(DateOnly localDate)
    {
        var dt = localDate.ToDateTime(TimeOnly.MinValue);
        return new IsoWeek(ISOWeek.GetYear(dt), ISOWeek.GetWeekOfYear(dt));
    }

    /// <summary>The last full week before <paramref name="now"/> in <paramref name="zone"/>.</summary>
    public static IsoWeek PreviousFull(DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return Containing(local).Previous();
    }

    public DateOnly Monday => DateOnly.FromDateTime(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday));

    public IsoWeek Previous() => Containing(Monday.AddDays(-7));

    public IsoWeek Next() => Containing(Monday.AddDays(7));

    /// <summary>[start, end) of the week in UTC milliseconds, for Monday 00:00 local time in <paramref name="zone"/>.</summary>
    public (long StartMs, long EndMs) UtcRangeMs(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return (LocalMidnightUtcMs(Monday, zone), LocalMidnightUtcMs(Monday.AddDays(7), zone));
    }

    public int CompareTo(IsoWeek other) => Year != other.Year ? Year.CompareTo(other.Year) : Week.CompareTo(other.Week);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-W{Week:D2}");

    /// <summary>Local midnight of <paramref name="day"/> in <paramref name="zone"/> as UTC ms (the first valid instant when DST skips midnight).</summary>
    internal static long LocalMidnightUtcMs(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a DST jump does not exist; the first valid instant after it starts the day.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone)).ToUnixTimeMilliseconds();
    }

    public static bool operator <(IsoWeek left, IsoWeek right) => left.CompareTo(right) < 0;

    public static bool operator >(IsoWeek left, IsoWeek right) => left.CompareTo(right) > 0;

    public static bool operator <=(IsoWeek left, IsoWeek right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IsoWeek left, IsoWeek right) => left.CompareTo(right) >= 0;
}

/// <summary>A file that goes with a report: a CSV table, or the self-contained HTML.</summary>
public sealed record ReportAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>
/// A week's report made ready to send: e-mail subject, self-contained HTML body, a short text summary (for the plain-text part
/// and webhooks) and attachments. <see cref="ProvisionalNote"/> is set when the costs had not been rolled up to the week's end.
/// </summary>
public sealed record RenderedReport(IsoWeek Week, string Subject, string Html, string TextSummary, IReadOnlyList<ReportAttachment> Attachments,
    string? ProvisionalNote = null);

/// <summary>
/// Builds (or rebuilds) and stores the report of a week; renders a stored week for delivery.
/// Implemented by <c>WeeklyReportService</c> (Core/Reports); used by the scheduled job and delivery (Core/Reports/Delivery).
/// </summary>
public interface IWeeklyReportSource
{
    /// <summary>Computes the week's numbers from the cost roll-ups and stores them (replacing an earlier build of that week).</summary>
    Task BuildAsync(IsoWeek week, CancellationToken cancellationToken = default);

    /// <summary>The stored week rendered for e-mail; null when the week was never built.</summary>
    Task<RenderedReport?> RenderAsync(IsoWeek week, CancellationToken cancellationToken = default);
}
