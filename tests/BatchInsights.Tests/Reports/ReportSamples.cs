using BatchInsights.Core.Reports;

namespace BatchInsights.Tests.Reports;

/// <summary>A small stored-shape report for rendering tests; vary with <c>with</c>.</summary>
internal static class ReportSamples
{
    public const string TrickyQueue = "etl, \"nightly\"";

    public static WeeklyReport Report()
    {
        var week = IsoWeek.Parse("2026-W47");
        var (from, to) = week.UtcRangeMs(TimeZoneInfo.Utc);
        var days = Enumerable.Range(0, 7)
            .Select(i => new ReportDay(week.Monday.AddDays(i), from + (i * 86_400_000L), from + ((i + 1) * 86_400_000L), i == 6 ? 345.67m : 2000m)).ToList();
        return new WeeklyReport(WeeklyReport.CurrentSchemaVersion, "2026-W47", "2026-W46", "UTC", from, to, new DateTime(2026, 11, 24, 8, 0, 0, DateTimeKind.Utc),
            new ReportTotals(12_345.67m, 11_000m, 1_345.67m, 9_000m, 3_000m, 345.67m, 100m, 420),
            new ReportTotals(11_870.84m, 10_000m, 1_870.84m, 8_000m, 3_500m, 370.84m, 0m, 400),
            days,
            [
                new ReportGroupTable("queue", "Queue",
                [
                    new ReportGroupRow(TrickyQueue, false, 10_000m, 9_000m, 11.1m, 8_000m, 2_000m, 0m, 0m, 100m, 400),
                    new ReportGroupRow("(idle / unallocated)", true, 1_345.67m, 1_870.84m, -28.1m, 1_000m, 345.67m, 0m, 1_345.67m, 0m, 0),
                    new ReportGroupRow("ml", false, 1_000m, 1_000m, 0m, 0m, 654.33m, 345.67m, 0m, 0m, 20),
                ]),
            ],
            new ReportSpotSavings(9_000m, 20_000m, 11_000m, 55m, 0m, 380),
            [new ReportIdle("spot-ce", 1_345.67m, 10_345.67m, 13m, 1_870.84m)],
            [new ReportTopJob("123456789012", "us-east-1", "job-1", "<nightly> & co", TrickyQueue, "etl-def", 2, 150.5m, false)],
            [new ReportTopDefinition("etl-def", 10_000m, 9_000m, 11.1m, 400)],
            [new ReportFailureCost("spot-reclaim", "Spot reclaim", 12, 80m, TrickyQueue), new ReportFailureCost("oom-137", "Out of memory (137)", 3, 20m, "ml")],
            new ReportRecommendations(3, 900m, [new ReportRecommendation(7, "spot-ce: allow c6i", "ComputeEnvironment", "spot-ce", 900m, "High", "Warning")]),
            new ReportCeChanges(true, WeeklyReportService.ChangesNote,
                [new ReportCeChange(new DateTime(2026, 11, 18, 9, 30, 0, DateTimeKind.Utc), "spot-bid60", "bidPercentage=80", "olga", 120m, 95.5m, "cost per job-hour 0.1 → 0.08 USD")]));
    }

    /// <summary>RFC 4180 reader for the tests: quoted fields with doubled quotes, CRLF records.</summary>
    public static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        return records;
    }
}
