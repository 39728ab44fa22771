using Cronos;

namespace BatchInsights.Core.Jobs;

/// <summary>
/// How long each harvest kind may go without a success before the Harvest status page calls it Stale: a multiple
/// (<see cref="HarvestOptions.StaleAfterCronPeriods"/>) of the longest gap between two runs of its cron, at least
/// <see cref="Minimum"/> (a long harvest holds the next runs back), unless <see cref="HarvestOptions.StaleAfterMinutes"/>
/// names the kind. A faster cron so tightens its threshold without a second setting to keep in step.
/// </summary>
public sealed class HarvestStaleThresholds
{
    /// <summary>For kinds with neither a cron known here nor a configured threshold.</summary>
    public static readonly TimeSpan Fallback = TimeSpan.FromHours(2);

    /// <summary>A 1M-job back-fill takes minutes, and DisableConcurrentExecution skips the runs due meanwhile.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(15);

    // The cron's gaps are measured from a fixed instant, so the threshold does not change with the time of day.
    private static readonly DateTime Origin = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);

    private readonly Dictionary<string, TimeSpan> _byKind;

    public HarvestStaleThresholds(IReadOnlyDictionary<string, TimeSpan> byKind)
    {
        ArgumentNullException.ThrowIfNull(byKind);
        _byKind = new Dictionary<string, TimeSpan>(byKind, StringComparer.Ordinal);
    }

    /// <summary>The thresholds of the default <see cref="HarvestOptions"/> (tests, and hosts without the Harvest section).</summary>
    public static HarvestStaleThresholds Default { get; } = From(new HarvestOptions());

    public TimeSpan For(string kind) => _byKind.TryGetValue(kind, out var threshold) ? threshold : Fallback;

    public static HarvestStaleThresholds From(HarvestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Kind (as HarvestRunRow.Kind) → its cron. A new recurring harvest adds its line here.
        var crons = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["batch"] = options.BatchCron,
            ["spot-prices"] = options.SpotPriceCron,
            ["catalog"] = options.CatalogCron,
            ["instances"] = options.InstanceCron,
            ["network"] = options.NetworkCron,
        };
        var byKind = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (kind, cron) in crons)
        {
            if (LongestGap(cron) is { } gap)
            {
                var scaled = TimeSpan.FromTicks((long)(gap.Ticks * options.StaleAfterCronPeriods));
                byKind[kind] = scaled > Minimum ? scaled : Minimum;
            }
        }

        foreach (var (kind, minutes) in options.StaleAfterMinutes)
        {
            byKind[kind] = TimeSpan.FromMinutes(minutes);
        }

        return new HarvestStaleThresholds(byKind);
    }

    /// <summary>The longest interval between consecutive occurrences (over the next 400); null for an invalid or never-firing cron.</summary>
    public static TimeSpan? LongestGap(string? cron)
    {
        if (cron is null || ValidateHarvestOptions.CronError(cron) is not null)
        {
            return null;
        }

        var occurrences = CronExpression.Parse(cron).GetOccurrences(Origin, Origin.AddYears(10), fromInclusive: true).Take(400).ToList();
        if (occurrences.Count < 2)
        {
            return null;
        }

        return occurrences.Zip(occurrences.Skip(1), (a, b) => b - a).Max();
    }
}
