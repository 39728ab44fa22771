using System.Globalization;
using System.Text;

namespace BatchInsights.Core.Reports;

public enum ReportColumnKind
{
    Text,
    Usd,
    Percent,
    Count,
}

public sealed record ReportColumn(string Header, ReportColumnKind Kind);

/// <summary>One table of a report (the unit of a CSV file, an HTML table and a page table). Cell values: string, decimal, decimal? or int.</summary>
public sealed record ReportTable(string Name, string Title, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows);

/// <summary>The report's tables, each once, for CSV, HTML and the API's <c>table</c> parameter.</summary>
public static class ReportTables
{
    public const string DefaultTable = "queue";

    private static readonly ReportColumn[] GroupColumns =
    [
        new("Cost (USD)", ReportColumnKind.Usd), new("Previous week (USD)", ReportColumnKind.Usd), new("Change (%)", ReportColumnKind.Percent),
        new("Spot (USD)", ReportColumnKind.Usd), new("On-Demand (USD)", ReportColumnKind.Usd), new("Fargate (USD)", ReportColumnKind.Usd),
        new("Idle (USD)", ReportColumnKind.Usd), new("Estimated (USD)", ReportColumnKind.Usd), new("Attempts", ReportColumnKind.Count),
    ];

    /// <summary>"queue" | "ce" | "definition" | "tag:team" → a file-name-safe table name.</summary>
    public static string NameOf(string grouping) => grouping.Replace(':', '-');

    public static IReadOnlyList<ReportTable> All(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var tables = new List<ReportTable>();
        foreach (var g in report.Groups)
        {
            tables.Add(new ReportTable(NameOf(g.Grouping), $"Cost by {g.Title.ToLowerInvariant()}", [new(g.Title, ReportColumnKind.Text), .. GroupColumns],
                g.Rows.Select(r => Row(r.Key, r.TotalUsd, r.PreviousUsd, r.ChangePercent, r.SpotUsd, r.OnDemandUsd, r.FargateUsd, r.IdleUsd, r.EstimatedUsd, r.Attempts)).ToList()));
        }

        tables.Add(new ReportTable("daily", "Cost by day", [new("Date", ReportColumnKind.Text), new("Cost (USD)", ReportColumnKind.Usd)],
            report.Days.Select(d => Row(d.Date.ToString("yyyy-MM-dd (ddd)", CultureInfo.InvariantCulture), d.TotalUsd)).ToList()));
        var s = report.SpotSavings;
        tables.Add(new ReportTable("spot-savings", "Spot savings achieved",
            [new("Spot cost (USD)", ReportColumnKind.Usd), new("On-Demand price of the same instance-hours (USD)", ReportColumnKind.Usd),
             new("Saved (USD)", ReportColumnKind.Usd), new("Saved (%)", ReportColumnKind.Percent), new("Spot cost without On-Demand price (USD)", ReportColumnKind.Usd),
             new("Attempts", ReportColumnKind.Count)],
            [Row(s.SpotUsd, s.OnDemandEquivalentUsd, s.SavingsUsd, s.SavingsPercent, s.UnpricedSpotUsd, s.Attempts)]));
        tables.Add(new ReportTable("idle", "Idle / unallocated cost by compute environment",
            [new("Compute environment", ReportColumnKind.Text), new("Idle (USD)", ReportColumnKind.Usd), new("CE cost (USD)", ReportColumnKind.Usd),
             new("Idle share (%)", ReportColumnKind.Percent), new("Idle previous week (USD)", ReportColumnKind.Usd)],
            report.IdleByComputeEnvironment.Select(i => Row(i.ComputeEnvironment, i.IdleUsd, i.TotalUsd, i.IdlePercent, i.PreviousIdleUsd)).ToList()));
        tables.Add(new ReportTable("top-jobs", $"Top {WeeklyReportService.TopCount} most expensive jobs",
            [new("Job id", ReportColumnKind.Text), new("Job name", ReportColumnKind.Text), new("Queue", ReportColumnKind.Text), new("Job definition", ReportColumnKind.Text),
             new("Account", ReportColumnKind.Text), new("Region", ReportColumnKind.Text), new("Attempts", ReportColumnKind.Count), new("Cost (USD)", ReportColumnKind.Usd),
             new("Estimated", ReportColumnKind.Text)],
            report.TopJobs.Select(j => Row(j.JobId, j.JobName, j.Queue, j.JobDefinition, j.Account, j.Region, j.Attempts, j.CostUsd, j.Estimated ? "yes" : "no")).ToList()));
        tables.Add(new ReportTable("top-definitions", $"Top {WeeklyReportService.TopCount} job definitions",
            [new("Job definition", ReportColumnKind.Text), new("Cost (USD)", ReportColumnKind.Usd), new("Previous week (USD)", ReportColumnKind.Usd),
             new("Change (%)", ReportColumnKind.Percent), new("Attempts", ReportColumnKind.Count)],
            report.TopDefinitions.Select(d => Row(d.JobDefinition, d.CostUsd, d.PreviousUsd, d.ChangePercent, d.Attempts)).ToList()));
        tables.Add(new ReportTable("failures", "Cost of failed attempts by cause",
            [new("Cause", ReportColumnKind.Text), new("Failed attempts", ReportColumnKind.Count), new("Cost (USD)", ReportColumnKind.Usd), new("Costliest queue", ReportColumnKind.Text)],
            report.Failures.Select(f => Row(f.Label, f.Attempts, f.CostUsd, f.TopQueue)).ToList()));
        tables.Add(new ReportTable("recommendations", "Open recommendations with expected savings",
            [new("Recommendation", ReportColumnKind.Text), new("Target", ReportColumnKind.Text), new("Monthly savings (USD)", ReportColumnKind.Usd),
             new("Confidence", ReportColumnKind.Text), new("Severity", ReportColumnKind.Text)],
            report.Recommendations.Top.Select(r => Row(r.Title, $"{r.TargetKind} {r.TargetName}", r.MonthlySavingsUsd, r.Confidence, r.Severity)).ToList()));
        return tables;
    }

    public static IReadOnlyList<string> Names(WeeklyReport report) => All(report).Select(t => t.Name).ToList();

    /// <summary>The week's CE changes with predicted and realized savings (shown in the e-mail's "What changed" section).</summary>
    public static ReportTable CeChanges(IReadOnlyList<ReportCeChange> changes) => new("ce-changes", "",
        [new("When (UTC)", ReportColumnKind.Text), new("Compute environment", ReportColumnKind.Text), new("Change", ReportColumnKind.Text),
         new("By", ReportColumnKind.Text), new("Predicted (USD/month)", ReportColumnKind.Usd), new("Realized (USD/month)", ReportColumnKind.Usd)],
        changes.Select(c => Row(c.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), c.ComputeEnvironment, c.Change, c.By,
            c.PredictedMonthlyUsd, c.RealizedMonthlyUsd)).ToList());

    /// <summary>RFC 4180: comma-separated, CRLF line ends, a header row; fields with a comma, quote or line break quoted, quotes doubled.</summary>
    public static string ToCsv(ReportTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append(string.Join(',', table.Columns.Select(c => CsvField(c.Header)))).Append("\r\n");
        foreach (var row in table.Rows)
        {
            sb.Append(string.Join(',', row.Select((v, i) => CsvField(FormatMachine(v, table.Columns[i].Kind))))).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>Machine format (invariant culture): USD with 2 decimals, percent with 1, empty when unknown.</summary>
    public static string FormatMachine(object? value, ReportColumnKind kind) => value switch
    {
        null => "",
        decimal d when kind == ReportColumnKind.Usd => d.ToString("0.00", CultureInfo.InvariantCulture),
        decimal d when kind == ReportColumnKind.Percent => d.ToString("0.0", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Display format: "$1,234.56", "+4.0 %", "—" when unknown.</summary>
    public static string FormatDisplay(object? value, ReportColumnKind kind) => value switch
    {
        null => "—",
        decimal d when kind == ReportColumnKind.Usd => Usd(d),
        decimal d when kind == ReportColumnKind.Percent => Change(d),
        int n => n.ToString("N0", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Usd(decimal usd) => usd.ToString("$#,##0.00;-$#,##0.00", CultureInfo.InvariantCulture);

    public static string Change(decimal? percent) =>
        percent is { } p ? p.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %" : "—";

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static object?[] Row(params object?[] cells) => cells;
}
