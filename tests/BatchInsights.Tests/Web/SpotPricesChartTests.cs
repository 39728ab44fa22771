using BatchInsights.Core.Browse;
using BatchInsights.Web.Components.Pages.SpotPrices;

namespace BatchInsights.Tests.Web;

public sealed class SpotPricesChartTests
{
    private static readonly long From = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static SpotPricePoint Point(string az, double hoursAfterFrom, decimal usd) =>
        new("123456789012", "us-east-1", az, "m5.large", "Linux/UNIX", From + (long)(hoursAfterFrom * 3_600_000), usd);

    [Fact]
    public void Build_ChangeBeforeWindowAndMidWindow_SamplesStepFunctionHourlyInCentsWithoutZeros()
    {
        var items = new[] { Point("us-east-1a", -5, 0.040m), Point("us-east-1a", 2.5, 0.050m), Point("us-east-1b", 1.5, 0.030m) };
        var onDemand = new[] { new SpotOnDemandPrice("us-east-1", 0.096m, "EmbeddedSnapshot", "us-east-1") };
        var history = new SpotPriceHistory("m5.large", "Linux/UNIX", From, From + 4 * 3_600_000L, items, false, 10_000, onDemand,
            SpotPriceQueries.Summarize(items, onDemand));

        var chart = SpotChart.Build(history);

        Assert.Equal(["us-east-1a", "us-east-1b", "On-Demand"], chart.Series.Select(s => s.Name));
        // Samples at 0h, 1h, 2h, 3h and just before the end: the price holds until the next change.
        Assert.Equal([4.0, 4.0, 4.0, 5.0, 5.0], chart.Series[0].Data.Values);
        // us-east-1b has no price before 1.5h: its first price, not a misleading $0.
        Assert.Equal([3.0, 3.0, 3.0, 3.0, 3.0], chart.Series[1].Data.Values);
        Assert.All(chart.Series[2].Data.Values, v => Assert.Equal(9.6, v, 6));
        Assert.Equal(TimeSpan.FromHours(1), chart.Step);
    }
}
