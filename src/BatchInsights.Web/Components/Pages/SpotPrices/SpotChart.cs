using System.Globalization;
using BatchInsights.Core.Browse;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.SpotPrices;

/// <summary>
/// The chart data of a price history: each pool's step function (a price holds until the next change)
/// sampled at regular points, plus the On-Demand price as a flat line.
/// </summary>
internal sealed record SpotChart(List<ChartSeries<double>> Series, string[] Labels, TimeSpan Step, LineChartOptions Options)
{
    /// <summary>Enough points for a readable line, few enough for an SVG on a Blazor circuit.</summary>
    private const int MaxPoints = 200;

    /// <summary>How many x-axis labels to print; the others stay empty to avoid overlap.</summary>
    private const int LabelCount = 8;

    public sealed record Range(string Key, string Label, TimeSpan Length);

    public static readonly IReadOnlyList<Range> Ranges =
    [
        new("24h", "Last 24 hours", TimeSpan.FromHours(24)),
        new("7d", "Last 7 days", TimeSpan.FromDays(7)),
        new("30d", "Last 30 days", TimeSpan.FromDays(30)),
        new("90d", "Last 90 days", TimeSpan.FromDays(90)),
    ];

    public static Range DefaultRange => Ranges[1];

    public static SpotChart Empty { get; } = new([], [], TimeSpan.FromHours(1), new LineChartOptions());

    public static SpotChart Build(SpotPriceHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        // Hourly, coarsened to whole hours when the range would give too many points.
        var hours = Math.Max(1, (long)Math.Ceiling((history.ToMs - history.FromMs) / 3_600_000d / MaxPoints));
        var stepMs = hours * 3_600_000L;
        var samples = new List<long>();
        for (var t = history.FromMs; t < history.ToMs; t += stepMs)
        {
            samples.Add(t);
        }

        samples.Add(history.ToMs - 1);
        var labelEvery = Math.Max(1, samples.Count / LabelCount);
        var labels = samples.Select((t, i) => i % labelEvery == 0
            ? DateTimeOffset.FromUnixTimeMilliseconds(t).UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)
            : "").ToArray();

        var multiAccount = history.Pools.Select(p => p.Account).Distinct(StringComparer.Ordinal).Count() > 1;
        var series = new List<ChartSeries<double>>();
        foreach (var pool in history.Items.GroupBy(p => (p.Account, p.Region, p.AvailabilityZone))
                     .OrderBy(g => g.Key.AvailabilityZone, StringComparer.Ordinal))
        {
            var changes = pool.OrderBy(p => p.TimestampMs).ToList();
            // MudBlazor draws a missing value as 0, which reads as a free instance: before a pool's first known
            // change (a pool first seen inside the window) its line holds that first price (the page says so).
            var values = new double[samples.Count];
            var next = 0;
            decimal? current = null;
            for (var i = 0; i < samples.Count; i++)
            {
                while (next < changes.Count && changes[next].TimestampMs <= samples[i])
                {
                    current = changes[next++].PriceUsdPerHour;
                }

                values[i] = (double)((current ?? changes[0].PriceUsdPerHour) * 100m);
            }

            series.Add(new ChartSeries<double>
            {
                Name = multiAccount ? $"{pool.Key.AvailabilityZone} ({pool.Key.Account})" : pool.Key.AvailabilityZone,
                Data = new ChartData<double>(values),
            });
        }

        foreach (var od in history.OnDemand)
        {
            series.Add(new ChartSeries<double>
            {
                Name = history.OnDemand.Count > 1 ? $"On-Demand {od.Region}" : "On-Demand",
                Data = new ChartData<double>(Enumerable.Repeat((double)(od.UsdPerHour * 100m), samples.Count).ToArray()),
            });
        }

        // MudBlazor's y ticks are whole units and Spot prices are often cents: plot cents per hour
        // (whole-cent ticks) and label the axis in dollars.
        var topCents = history.Pools.Select(p => Math.Max(p.MaxUsdPerHour, p.OnDemandUsdPerHour ?? 0m)).DefaultIfEmpty(1m).Max() * 100m;
        var options = new LineChartOptions
        {
            YAxisTicks = (int)Math.Max(1, NiceStep((double)topCents / 5)),
            YAxisRequireZeroPoint = true,
            YAxisToStringFunc = cents => "$" + (cents / 100).ToString("0.00", CultureInfo.InvariantCulture),
        };
        return new SpotChart(series, labels, TimeSpan.FromMilliseconds(stepMs), options);
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        if (rough <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var normalized = rough / magnitude;
        return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
    }

    public static string Usd(decimal value) => "$" + value.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Percent(decimal ratio) => (ratio * 100m).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
