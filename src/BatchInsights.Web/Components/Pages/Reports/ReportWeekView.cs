using System.Globalization;
using BatchInsights.Core.Reports;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Reports;

/// <summary>Formatting and chart data of the report page (no Blazor state).</summary>
internal static class ReportWeekView
{
    internal sealed record Kpi(string Id, string Label, string Value, string Note);

    public static string Range(WeeklyReport report)
    {
        var monday = IsoWeek.Parse(report.Week).Monday;
        return $"{monday.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)} – {monday.AddDays(6).ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)}";
    }

    public static IReadOnlyList<Kpi> Kpis(WeeklyReport report)
    {
        var t = report.Totals;
        return
        [
            new("total", "Total", ReportTables.Usd(t.TotalUsd), $"{ReportTables.Change(report.ChangePercent)} vs {report.PreviousWeek}"),
            new("spot", "Spot", ReportTables.Usd(t.SpotUsd), $"saved {ReportTables.Usd(report.SpotSavings.SavingsUsd)}"),
            new("on-demand", "On-Demand", ReportTables.Usd(t.OnDemandUsd), t.FargateUsd > 0 ? $"Fargate {ReportTables.Usd(t.FargateUsd)}" : ""),
            new("idle", "Idle / unallocated", ReportTables.Usd(t.IdleUsd), t.TotalUsd == 0 ? "" : (t.IdleUsd / t.TotalUsd).ToString("0.0 %", CultureInfo.InvariantCulture) + " of total"),
            new("failures", "Failed attempts", ReportTables.Usd(report.Failures.Sum(f => f.CostUsd)), $"{report.Failures.Sum(f => f.Attempts)} attempts"),
            new("savings", "Open recommendations", ReportTables.Usd(report.Recommendations.MonthlySavingsUsd) + "/mo", $"{report.Recommendations.OpenCount} open"),
        ];
    }

    public static (List<ChartSeries<double>> Series, string[] Labels) Chart(WeeklyReport report) =>
        ([new ChartSeries<double> { Name = "Cost (USD)", Data = report.Days.Select(d => (double)d.TotalUsd).ToArray() }],
         report.Days.Select(d => d.Date.ToString("ddd dd", CultureInfo.InvariantCulture)).ToArray());
}
