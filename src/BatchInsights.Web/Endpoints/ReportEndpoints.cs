using BatchInsights.Core.Access;
using System.Text;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>Weekly cost reports under /api/v1/reports (static handlers, callable from tests).</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/reports", ListReportsAsync).WithName("ListReports")
            .WithSummary("The stored weekly reports (ISO weeks, newest first) with when each was built and how many deliveries were sent, are in progress, failed or given up.");
        // One route per week for .csv/.html/JSON: "{week}.csv" as its own template would also match "2026-W47" with an empty extension.
        api.MapGet("/reports/{week}", GetReportAsync).WithName("GetReport")
            .WithSummary("A week's report: `2026-W47` as JSON, `2026-W47.csv?table=<name>` one table as CSV (default `queue`), `2026-W47.html` the e-mail HTML.")
            .WithDescription("Weeks are ISO weeks (Monday to Monday) in Reports:TimeZone. 404 when the week was never built (POST …/build), 400 for a malformed week or table.");
        api.MapPost("/reports/{week}/build", BuildReportAsync).WithName("BuildReport").RequireAuthorization(Roles.Operator)
            .WithSummary("Builds (or rebuilds) a week's report from the cost roll-ups and stores it.");
        return endpoints;
    }

    /// <summary>The archive with each week's delivery counts (null when that week was never sent to anyone).</summary>
    public static async Task<Ok<IReadOnlyList<ReportListItem>>> ListReportsAsync(WeeklyReportService reports, ReportDeliveryService? deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var weeks = await reports.ListAsync(cancellationToken);
        var sent = deliveries is null ? new Dictionary<IsoWeek, DeliverySummary>() : await deliveries.SummarizeAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ReportListItem>>(weeks.Select(w => new ReportListItem(w.Week, w.TimeZone, w.BuiltAt, w.TotalUsd, w.ChangePercent,
            sent.GetValueOrDefault(IsoWeek.Parse(w.Week)))).ToList());
    }

    public static async Task<IResult> GetReportAsync(WeeklyReportService reports, string week, string? table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var format = "json";
        var name = week ?? "";
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            format = name[(name.LastIndexOf('.') + 1)..].ToLowerInvariant();
            name = name[..name.LastIndexOf('.')];
        }

        if (!IsoWeek.TryParse(name, out var isoWeek))
        {
            return BadWeek(name);
        }

        var report = await reports.GetAsync(isoWeek, cancellationToken);
        if (report is null)
        {
            return NotBuilt(isoWeek);
        }

        switch (format)
        {
            case "csv":
                var tables = ReportTables.All(report);
                var wanted = string.IsNullOrWhiteSpace(table) ? ReportTables.DefaultTable : table.Trim();
                var chosen = tables.FirstOrDefault(t => string.Equals(t.Name, wanted, StringComparison.OrdinalIgnoreCase));
                if (chosen is null)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["table"] = [$"table '{wanted}' is not a table of this report; use one of: {string.Join(", ", tables.Select(t => t.Name))}."],
                    });
                }

                return TypedResults.File(Encoding.UTF8.GetBytes(ReportTables.ToCsv(chosen)), "text/csv; charset=utf-8", ReportRenderer.CsvFileName(report.Week, chosen.Name));
            case "html":
                return TypedResults.Content(ReportRenderer.Html(report), "text/html; charset=utf-8");
            default:
                return TypedResults.Ok(report);
        }
    }

    public static async Task<IResult> BuildReportAsync(WeeklyReportService reports, string week, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (!IsoWeek.TryParse(week, out var isoWeek))
        {
            return BadWeek(week);
        }

        var report = await reports.BuildReportAsync(isoWeek, cancellationToken);
        return TypedResults.Ok(new WeeklyReportSummary(report.Week, report.TimeZone, report.BuiltAt, report.Totals.TotalUsd, report.ChangePercent));
    }

    private static ValidationProblem BadWeek(string? week) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["week"] = [$"'{week}' is not an ISO week; use YYYY-Www, e.g. 2026-W47."],
        });

    private static ProblemHttpResult NotBuilt(IsoWeek week) =>
        TypedResults.Problem(
            detail: $"The report for {week} has not been built yet. Build it with POST /api/v1/reports/{week}/build or from the Reports page.",
            statusCode: StatusCodes.Status404NotFound,
            title: "Report not built");
}

/// <summary>One stored week in GET /api/v1/reports.</summary>
public sealed record ReportListItem(string Week, string TimeZone, DateTime BuiltAt, decimal TotalUsd, decimal? ChangePercent, DeliverySummary? Deliveries);
