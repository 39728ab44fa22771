using System.Globalization;
using BatchInsights.Core.Costs;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Costs;

/// <summary>Formatting and chart data of the Costs page (no Blazor state).</summary>
internal static class CostsView
{
    public const int DefaultDays = 7;

    /// <summary>How many groups get their own bar segment; the rest are summed as "other".</summary>
    public const int ChartGroups = 8;

    public static readonly IReadOnlyList<int> RangeDays = [7, 14, 30, 90];

    public static string Usd(decimal usd) => "$" + usd.ToString(usd is > 0 and < 10 ? "#,##0.0000" : "#,##0.00", CultureInfo.InvariantCulture);

    public static string Percent(decimal part, decimal whole) =>
        whole == 0 ? "0 %" : (part / whole).ToString("0.0 %", CultureInfo.InvariantCulture);

    public static string GroupLabel(CostGrouping grouping) => grouping.Kind switch
    {
        "queue" => "Queue",
        "ce" => "Compute environment",
        "definition" => "Job definition",
        "share" => "Share identifier",
        _ => "Tag " + grouping.TagKey,
    };

    internal sealed record Chart(List<ChartSeries<double>> Series, string[] Labels)
    {
        public static Chart Empty { get; } = new([], []);

        public static Chart Build(CostReport report)
        {
            var days = new List<long>();
            for (var d = CostLedger.DayStart(report.FromMs); d < report.ToMs; d += 86_400_000)
            {
                days.Add(d);
            }

            var top = report.Groups.Take(ChartGroups).Select(g => g.Key).ToList();
            var keys = report.Groups.Count > ChartGroups ? [.. top, "other"] : top;
            var series = keys.Select(k => new ChartSeries<double>
            {
                Name = k,
                Data = days.Select(day => (double)report.Days
                    .Where(x => x.DayStartMs == day && (k == "other" ? !top.Contains(x.Key) : x.Key == k))
                    .Sum(x => x.TotalUsd)).ToArray(),
            }).ToList();
            var labels = days.Select(d => DateTimeOffset.FromUnixTimeMilliseconds(d).UtcDateTime.ToString("MM-dd", CultureInfo.InvariantCulture)).ToArray();
            return new Chart(series, labels);
        }
    }
}
