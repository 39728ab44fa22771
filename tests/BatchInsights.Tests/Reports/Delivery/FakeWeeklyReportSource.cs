using System.Collections.Concurrent;
using System.Text;
using BatchInsights.Core.Reports;

namespace BatchInsights.Tests.Reports.Delivery;

/// <summary>
/// Stands in for the report builder (helper "report"'s WeeklyReportService): serves the reports a test gave it,
/// counts builds, and fails loudly for a week it was given nothing for.
/// </summary>
public sealed class FakeWeeklyReportSource : IWeeklyReportSource
{
    private readonly ConcurrentDictionary<IsoWeek, RenderedReport> _reports = new();
    private readonly ConcurrentDictionary<IsoWeek, bool> _built = new();
    private readonly ConcurrentQueue<IsoWeek> _builds = new();

    public IReadOnlyList<IsoWeek> Builds => [.. _builds];

    public FakeWeeklyReportSource With(RenderedReport report)
    {
        _reports[report.Week] = report;
        return this;
    }

    /// <summary>A week already built before the test started (RenderAsync answers without a build).</summary>
    public FakeWeeklyReportSource Built(IsoWeek week)
    {
        _built[week] = true;
        return this;
    }

    public Task BuildAsync(IsoWeek week, CancellationToken cancellationToken = default)
    {
        if (!_reports.ContainsKey(week))
        {
            throw new InvalidOperationException($"FakeWeeklyReportSource was given no report for {week}.");
        }

        _builds.Enqueue(week);
        _built[week] = true;
        return Task.CompletedTask;
    }

    public Task<RenderedReport?> RenderAsync(IsoWeek week, CancellationToken cancellationToken = default) =>
        Task.FromResult(_built.ContainsKey(week) && _reports.TryGetValue(week, out var report) ? report : null);

    public const string CsvName = "cost-by-queue-2026-W47.csv";

    // A name with a comma and a quote: the attachment must arrive byte for byte.
    public const string Csv = "queue,cost_usd,change_pct\r\n\"gpu, \"\"large\"\"\",1234.50,4\r\nspot-small,99.00,-2\r\n";

    public static RenderedReport Sample(IsoWeek? week = null)
    {
        var w = week ?? new IsoWeek(2026, 47);
        return new RenderedReport(
            w,
            $"BatchInsights weekly cost report {w}: $12,345 (+4% vs W{w.Previous().Week:D2})",
            $"<html><body><h1 style=\"font-size:20px\">Week {w}</h1><p>Total <b>$12,345</b></p><svg width=\"10\" height=\"10\"></svg></body></html>",
            $"Week {w}: $12,345 (+4% vs last week).\nSpot saved $2,100.\nTop queue: gpu-large $1,234.50.",
            [new ReportAttachment(CsvName, "text/csv", Encoding.UTF8.GetBytes(Csv))]);
    }
}
