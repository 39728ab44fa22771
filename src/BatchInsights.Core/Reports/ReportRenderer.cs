using System.Globalization;
using System.Net;
using System.Text;

namespace BatchInsights.Core.Reports;

/// <summary>
/// Renders a stored report for e-mail: a self-contained HTML body (inline styles only — mail clients drop &lt;style&gt;, &lt;link&gt; and
/// scripts — and the daily chart as inline SVG with the same numbers in a table beside it, for clients that show no SVG), a subject,
/// a short text summary (plain-text part, webhooks) and one CSV per table.
/// </summary>
public static class ReportRenderer
{
    private const string Font = "font-family:Segoe UI,Helvetica,Arial,sans-serif;";
    private const string Cell = "padding:4px 8px;border-bottom:1px solid #e0e0e0;";

    public static RenderedReport Render(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var week = IsoWeek.Parse(report.Week);
        var tables = ReportTables.All(report);
        var html = Html(report, tables);
        var attachments = tables
            .Select(t => new ReportAttachment(CsvFileName(report.Week, t.Name), "text/csv", Encoding.UTF8.GetBytes(ReportTables.ToCsv(t))))
            .ToList();
        return new RenderedReport(week, Subject(report), html, TextSummary(report), attachments, report.ProvisionalNote);
    }

    public static string CsvFileName(string week, string table) => $"batchinsights-{week}-{table}.csv";

    public static string HtmlFileName(string week) => $"batchinsights-{week}.html";

    /// <summary>"BatchInsights weekly cost report 2026-W47: $12,345 (+4% vs W46)".</summary>
    public static string Subject(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var total = report.Totals.TotalUsd.ToString("$#,##0", CultureInfo.InvariantCulture);
        var prevWeek = report.PreviousWeek[(report.PreviousWeek.IndexOf('-', StringComparison.Ordinal) + 1)..];
        var change = report.ChangePercent is { } p
            ? decimal.Round(p, 0).ToString("+0;-0;0", CultureInfo.InvariantCulture) + "% vs " + prevWeek
            : "no spend in " + prevWeek;
        return $"BatchInsights weekly cost report {report.Week}: {total} ({change}){(report.Provisional ? " — provisional" : "")}";
    }

    /// <summary>3-5 lines: total and change, the lifecycle split with Spot savings, idle and failure cost, open recommendations.</summary>
    public static string TextSummary(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var t = report.Totals;
        var lines = new List<string>
        {
            $"Week {report.Week} ({report.TimeZone}): {ReportTables.Usd(t.TotalUsd)}, {ReportTables.Change(report.ChangePercent)} vs {report.PreviousWeek} ({ReportTables.Usd(report.PreviousTotals.TotalUsd)}).",
            $"Spot {ReportTables.Usd(t.SpotUsd)}, On-Demand {ReportTables.Usd(t.OnDemandUsd)}, Fargate {ReportTables.Usd(t.FargateUsd)}; Spot saved {ReportTables.Usd(report.SpotSavings.SavingsUsd)} against On-Demand prices.",
            $"Idle/unallocated {ReportTables.Usd(t.IdleUsd)} ({Share(t.IdleUsd, t.TotalUsd)} of the total); failed attempts cost {ReportTables.Usd(report.Failures.Sum(f => f.CostUsd))}"
                + $" (Spot reclaims {ReportTables.Usd(report.Failures.Where(f => f.Cause == "spot-reclaim").Sum(f => f.CostUsd))}).",
            $"Open recommendations: {report.Recommendations.OpenCount}, expected savings {ReportTables.Usd(report.Recommendations.MonthlySavingsUsd)}/month.",
        };
        if (report.Groups.FirstOrDefault(g => g.Grouping == "queue")?.Rows.FirstOrDefault(r => !r.IsIdle && r.TotalUsd > 0) is { } top)
        {
            lines.Add($"Costliest queue: {top.Key} {ReportTables.Usd(top.TotalUsd)} ({ReportTables.Change(top.ChangePercent)}).");
        }

        if (report.ProvisionalNote is { } note)
        {
            lines.Insert(0, note);
        }

        return string.Join('\n', lines);
    }

    public static string Html(WeeklyReport report) => Html(report, ReportTables.All(report));

    private static string Html(WeeklyReport report, IReadOnlyList<ReportTable> tables)
    {
        var t = report.Totals;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(Subject(report))).Append("</title></head>\n");
        sb.Append("<body style=\"margin:0;padding:16px;background:#f5f5f5;").Append(Font).Append("color:#212121;\">\n");
        sb.Append("<div style=\"max-width:960px;margin:0 auto;background:#ffffff;padding:16px 24px;\">\n");
        sb.Append("<h1 style=\"font-size:20px;margin:0 0 4px 0;\">BatchInsights weekly cost report ").Append(E(report.Week)).Append("</h1>\n");
        sb.Append("<p style=\"margin:0 0 16px 0;color:#616161;font-size:13px;\">")
            .Append(E(DateRange(report))).Append(" · ").Append(E(report.TimeZone)).Append(" · built ")
            .Append(E(report.BuiltAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</p>\n");
        if (report.ProvisionalNote is { } provisional)
        {
            sb.Append("<p style=\"margin:0 0 16px 0;padding:8px 12px;background:#fff3e0;border-left:4px solid #ef6c00;font-size:13px;\">")
                .Append(E(provisional)).Append("</p>\n");
        }


        sb.Append("<table role=\"presentation\" style=\"border-collapse:collapse;margin-bottom:16px;\"><tr>");
        Kpi(sb, "Total", ReportTables.Usd(t.TotalUsd), $"{ReportTables.Change(report.ChangePercent)} vs {report.PreviousWeek}", "total");
        Kpi(sb, "Spot", ReportTables.Usd(t.SpotUsd), $"saved {ReportTables.Usd(report.SpotSavings.SavingsUsd)}", "spot");
        Kpi(sb, "On-Demand", ReportTables.Usd(t.OnDemandUsd), t.FargateUsd > 0 ? $"Fargate {ReportTables.Usd(t.FargateUsd)}" : "", "on-demand");
        Kpi(sb, "Idle", ReportTables.Usd(t.IdleUsd), $"{Share(t.IdleUsd, t.TotalUsd)} of total", "idle");
        Kpi(sb, "Failed attempts", ReportTables.Usd(report.Failures.Sum(f => f.CostUsd)), "", "failures");
        sb.Append("</tr></table>\n");
        if (t.EstimatedUsd > 0)
        {
            sb.Append("<p style=\"font-size:12px;color:#8d6e63;margin:0 0 12px 0;\">").Append(E(ReportTables.Usd(t.EstimatedUsd)))
                .Append(" (").Append(E(Share(t.EstimatedUsd, t.TotalUsd))).Append(") of this rests on estimates (guessed instance, type or price).</p>\n");
        }

        sb.Append("<h2 style=\"font-size:16px;margin:16px 0 8px 0;\">Cost by day</h2>\n");
        sb.Append(DailyChartSvg(report.Days)).Append('\n');

        foreach (var table in tables)
        {
            sb.Append("<h2 style=\"font-size:16px;margin:20px 0 8px 0;\">").Append(E(table.Title)).Append("</h2>\n");
            if (table.Name == "spot-savings")
            {
                sb.Append("<p style=\"font-size:12px;color:#616161;margin:0 0 6px 0;\">Spot attempts' cost against the On-Demand price of the same instance-hours (each attempt's reserved share of its instance). Idle Spot capacity is not included.</p>\n");
            }

            AppendTable(sb, table);
        }

        sb.Append("<h2 style=\"font-size:16px;margin:20px 0 8px 0;\">What changed in the compute environments</h2>\n");
        var changes = report.ComputeEnvironmentChanges;
        sb.Append("<p style=\"font-size:13px;color:#616161;\" data-ce-changes=\"").Append(changes.Available ? changes.Changes.Count.ToString(CultureInfo.InvariantCulture) : "unavailable")
            .Append("\">").Append(E(changes.Note)).Append("</p>\n");
        if (changes.Changes.Count > 0)
        {
            AppendTable(sb, ReportTables.CeChanges(changes.Changes));
        }

        sb.Append("<p style=\"font-size:11px;color:#9e9e9e;margin-top:24px;\">Costs from the BatchInsights cost roll-ups; the same numbers as the Costs page for this week's range. Each table is attached as CSV.</p>\n");
        sb.Append("</div>\n</body></html>\n");
        return sb.ToString();
    }

    /// <summary>A bar per day, labelled with the date and amount; no external references (no xmlns needed inside HTML).</summary>
    internal static string DailyChartSvg(IReadOnlyList<ReportDay> days)
    {
        const int width = 640, height = 200, top = 20, bottom = 36, left = 8;
        var max = days.Count == 0 ? 0m : days.Max(d => d.TotalUsd);
        var slot = (width - (2 * left)) / Math.Max(1, days.Count);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Cost by day\" data-chart=\"daily\" style=\"display:block;max-width:100%;\">");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - left}\" y2=\"{height - bottom}\" stroke=\"#bdbdbd\" stroke-width=\"1\"/>");
        for (var i = 0; i < days.Count; i++)
        {
            var d = days[i];
            var barHeight = max == 0 ? 0 : (int)Math.Round((double)(d.TotalUsd / max) * (height - top - bottom));
            var x = left + (i * slot) + (slot / 6);
            var w = slot * 2 / 3;
            var y = height - bottom - barHeight;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{barHeight}\" fill=\"#1e88e5\"><title>{E(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}: {E(ReportTables.Usd(d.TotalUsd))}</title></rect>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (w / 2)}\" y=\"{y - 4}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#424242\">{E(ReportTables.Usd(d.TotalUsd))}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (w / 2)}\" y=\"{height - bottom + 16}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#616161\">{E(d.Date.ToString("ddd dd MMM", CultureInfo.InvariantCulture))}</text>");
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static void AppendTable(StringBuilder sb, ReportTable table)
    {
        if (table.Rows.Count == 0)
        {
            sb.Append("<p style=\"font-size:13px;color:#616161;\">None this week.</p>\n");
            return;
        }

        sb.Append("<table data-table=\"").Append(E(table.Name)).Append("\" style=\"border-collapse:collapse;width:100%;font-size:13px;\">\n<tr>");
        foreach (var c in table.Columns)
        {
            sb.Append("<th style=\"").Append(Cell).Append("text-align:").Append(c.Kind == ReportColumnKind.Text ? "left" : "right")
                .Append(";background:#eeeeee;font-weight:600;\">").Append(E(c.Header)).Append("</th>");
        }

        sb.Append("</tr>\n");
        foreach (var row in table.Rows)
        {
            sb.Append("<tr>");
            for (var i = 0; i < row.Count; i++)
            {
                var kind = table.Columns[i].Kind;
                var color = kind == ReportColumnKind.Percent && row[i] is decimal p && p != 0 ? (p > 0 ? "color:#c62828;" : "color:#2e7d32;") : "";
                sb.Append("<td style=\"").Append(Cell).Append("text-align:").Append(kind == ReportColumnKind.Text ? "left" : "right").Append(';').Append(color).Append("\">")
                    .Append(E(ReportTables.FormatDisplay(row[i], kind))).Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</table>\n");
    }

    private static void Kpi(StringBuilder sb, string label, string value, string note, string id) =>
        sb.Append("<td data-kpi=\"").Append(id).Append("\" style=\"padding:8px 16px 8px 0;vertical-align:top;\"><div style=\"font-size:12px;color:#616161;\">").Append(E(label))
            .Append("</div><div style=\"font-size:22px;font-weight:600;\">").Append(E(value)).Append("</div><div style=\"font-size:12px;color:#616161;\">")
            .Append(E(note)).Append("</div></td>");

    private static string DateRange(WeeklyReport report)
    {
        var monday = IsoWeek.Parse(report.Week).Monday;
        return $"{monday.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)} – {monday.AddDays(6).ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture)}";
    }

    private static string Share(decimal part, decimal whole) =>
        ReportMath.Percent(part, whole) is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
