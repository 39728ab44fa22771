using System.Text;
using BatchInsights.Core.Reports;

namespace BatchInsights.Tests.Reports;

public sealed class ReportRendererTests
{
    [Fact]
    public void ToCsv_NameWithCommaAndQuotes_SurvivesRfc4180RoundTrip()
    {
        var table = ReportTables.All(ReportSamples.Report()).Single(t => t.Name == "queue");

        var csv = ReportTables.ToCsv(table);

        Assert.Contains("\"etl, \"\"nightly\"\"\",10000.00,9000.00,11.1,", csv, StringComparison.Ordinal);
        var records = ReportSamples.ParseCsv(csv);
        Assert.Equal(["Queue", "Cost (USD)", "Previous week (USD)", "Change (%)"], records[0].Take(4));
        Assert.Equal(ReportSamples.TrickyQueue, records[1][0]);
        Assert.Equal(4, records.Count); // header + 3 rows
        Assert.All(records, r => Assert.Equal(records[0].Count, r.Count));
    }

    [Fact]
    public void ToCsv_Money_TwoDecimalsNoThousandsSeparator()
    {
        var csv = ReportTables.ToCsv(ReportTables.All(ReportSamples.Report()).Single(t => t.Name == "daily"));

        Assert.Contains("2026-11-22 (Sun),345.67\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("2026-11-16 (Mon),2000.00\r\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Html_SelfContainedWithSvgChartAndTotals()
    {
        var rendered = ReportRenderer.Render(ReportSamples.Report());

        var html = rendered.Html;
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Equal(7, CountOf(html[html.IndexOf("<svg", StringComparison.Ordinal)..html.IndexOf("</svg>", StringComparison.Ordinal)], "<rect "));
        Assert.Contains("$12,345.67", html, StringComparison.Ordinal);
        Assert.Contains("+4.0 %", html, StringComparison.Ordinal);
        Assert.Contains("&lt;nightly&gt; &amp; co", html, StringComparison.Ordinal); // names are encoded, not markup
        // The week's CE change with its predicted and realized savings.
        Assert.Contains("data-ce-changes=\"1\"", html, StringComparison.Ordinal);
        Assert.Contains("bidPercentage=80", html, StringComparison.Ordinal);
        Assert.Contains("$95.50", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SubjectSummaryAndAttachments()
    {
        var report = ReportSamples.Report();

        var rendered = ReportRenderer.Render(report);

        Assert.Equal(IsoWeek.Parse("2026-W47"), rendered.Week);
        Assert.Equal("BatchInsights weekly cost report 2026-W47: $12,346 (+4% vs W46)", rendered.Subject);
        var lines = rendered.TextSummary.Split('\n');
        Assert.InRange(lines.Length, 3, 5);
        Assert.StartsWith("Week 2026-W47 (UTC): $12,345.67, +4.0 % vs 2026-W46", lines[0], StringComparison.Ordinal);
        Assert.Equal(ReportTables.Names(report).Select(n => $"batchinsights-2026-W47-{n}.csv"), rendered.Attachments.Select(a => a.FileName));
        Assert.All(rendered.Attachments, a => Assert.Equal("text/csv", a.ContentType));
        var queueCsv = Encoding.UTF8.GetString(rendered.Attachments.Single(a => a.FileName.EndsWith("-queue.csv", StringComparison.Ordinal)).Content);
        Assert.Equal(ReportTables.ToCsv(ReportTables.All(report).Single(t => t.Name == "queue")), queueCsv);
    }

    [Fact]
    public void Subject_PreviousWeekCostNothing_SaysSoInsteadOfAPercentage()
    {
        var report = ReportSamples.Report() with { PreviousTotals = new ReportTotals(0m, 0m, 0m, 0m, 0m, 0m, 0m, 0) };

        Assert.Equal("BatchInsights weekly cost report 2026-W47: $12,346 (no spend in W46)", ReportRenderer.Subject(report));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
