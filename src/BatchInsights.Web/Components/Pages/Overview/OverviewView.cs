using System.Globalization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Overview;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Overview;

/// <summary>Links, labels and chart data of the Overview page (no Blazor state).</summary>
internal static class OverviewView
{
    /// <summary>Every n-th day of the trend gets an x-axis label; the others stay empty to avoid overlap.</summary>
    private const int LabelEvery = 5;

    /// <summary><paramref name="path"/> with the page's account/region filter appended (so each card's link keeps the filter).</summary>
    public static string Link(string path, string? account, string? region, params (string Key, string? Value)[] query)
    {
        var parts = query.Append(("account", account)).Append(("region", region))
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2))
            .Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2!))
            .ToList();
        return parts.Count == 0 ? path : path + "?" + string.Join("&", parts);
    }

    /// <summary>The Costs page over a number of days (its ranges are 7, 14, 30 and 90 days back from today).</summary>
    public static string CostsLink(OverviewSnapshot s, int days, string? groupBy = null) =>
        Link("/costs", s.Account, s.Region, ("groupBy", groupBy), ("days", days.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The Jobs page for a status; finished statuses over the same 24 h as the count.</summary>
    public static string JobsLink(OverviewSnapshot s, string status) =>
        Link("/jobs", s.Account, s.Region, ("status", status),
            ("from", BatchJobStatus.IsTerminal(status) ? BrowseFormat.UrlTime(s.Jobs.FinishedSinceMs) : null));

    public static string Change(decimal current, decimal previous) =>
        previous == 0 ? "" : ((current - previous) / previous).ToString("+0.0 %;-0.0 %;0.0 %", CultureInfo.InvariantCulture) + " vs last week";

    public static string Rate(double rate) => rate.ToString("0.0 %", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Lag(long? seconds) => seconds is { } s ? BrowseFormat.Duration(TimeSpan.FromSeconds(s)) : "never";

    internal sealed record Chart(List<ChartSeries<double>> Series, string[] Labels)
    {
        public static Chart Empty { get; } = new([], []);

        public static Chart Build(OverviewTrend trend)
        {
            var labels = trend.Days.Select((d, i) => i % LabelEvery == 0 || i == trend.Days.Count - 1
                ? DateTimeOffset.FromUnixTimeMilliseconds(d.DayStartMs).UtcDateTime.ToString("MM-dd", CultureInfo.InvariantCulture)
                : "").ToArray();
            var series = new List<ChartSeries<double>>
            {
                new() { Name = "Spend (USD)", Data = trend.Days.Select(d => (double)d.TotalUsd).ToArray() },
            };
            return new Chart(series, labels);
        }
    }
}
