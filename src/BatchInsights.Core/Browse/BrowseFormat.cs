using System.Globalization;

namespace BatchInsights.Core.Browse;

/// <summary>How times and durations are shown: UTC, ISO-like, invariant culture.</summary>
public static class BrowseFormat
{
    public static string Utc(long? epochMs) =>
        epochMs is { } ms ? Utc(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime) : "";

    public static string Utc(DateTime? utc) =>
        utc is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } s)
        {
            return "";
        }

        if (s < TimeSpan.Zero)
        {
            s = TimeSpan.Zero;
        }

        return s.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalDays}d {s.Hours}h {s.Minutes}m")
            : s.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours}h {s.Minutes}m")
            : s.TotalMinutes >= 1 && s.Seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{s.Minutes}m")
            : s.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{s.Minutes}m {s.Seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.#}s");
    }

    public static string Duration(long? fromMs, long? toMs) =>
        fromMs is { } a && toMs is { } b ? Duration(TimeSpan.FromMilliseconds(b - a)) : "";

    /// <summary>
    /// Reads a time given by a user or URL: epoch milliseconds, or an ISO-8601 date/time (UTC unless it has an offset).
    /// </summary>
    public static bool TryParseTime(string? value, out long epochMs)
    {
        epochMs = 0;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        value = value.Trim();
        if (value.All(char.IsAsciiDigit))
        {
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out epochMs);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            epochMs = t.ToUnixTimeMilliseconds();
            return true;
        }

        return false;
    }

    /// <summary>The form a time takes in a URL: "2026-11-25T12:00:00Z" (no milliseconds unless present).</summary>
    public static string UrlTime(long epochMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime;
        return t.ToString(t.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Splits the comma-separated lists the harvester stores.</summary>
    public static IReadOnlyList<string> SplitList(string? csv) =>
        string.IsNullOrWhiteSpace(csv) ? [] : csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The resource name at the end of an ARN ("arn:…:compute-environment/name" → "name").</summary>
    public static string NameFromArn(string arn)
    {
        var slash = arn.LastIndexOf('/');
        return slash >= 0 ? arn[(slash + 1)..] : arn;
    }
}
