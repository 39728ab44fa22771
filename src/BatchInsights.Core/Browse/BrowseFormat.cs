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
            : s.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{s.Minutes}m {s.Seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.#}s");
    }

    public static string Duration(long? fromMs, long? toMs) =>
        fromMs is { } a && toMs is { } b ? Duration(TimeSpan.FromMilliseconds(b - a)) : "";

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
