using Cronos;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Jobs;

/// <summary>The "Harvest" section of appsettings.json.</summary>
public sealed class HarvestOptions
{
    public const string Section = "Harvest";

    /// <summary>Cron expression (UTC, 5 fields) for the Batch harvest. Default: every minute.</summary>
    public string BatchCron { get; set; } = "* * * * *";

    /// <summary>Cron expression (UTC, 5 fields) for the Spot price harvest. Default: every 30 minutes.</summary>
    public string SpotPriceCron { get; set; } = "*/30 * * * *";

    /// <summary>Cron expression (UTC, 5 fields) for the instance catalog refresh. Default: every 12 hours (as Karpenter).</summary>
    public string CatalogCron { get; set; } = "0 */12 * * *";

    /// <summary>
    /// Cron expression (UTC, 5 fields) for the instance/placement harvest. Default: every 15 minutes — EC2 lists a
    /// terminated instance only for about an hour, so this must run well within that to see every stop reason.
    /// </summary>
    public string InstanceCron { get; set; } = "*/15 * * * *";
    /// <summary>Cron expression (UTC, 5 fields) for the network harvest (subnets, routes, NAT bytes). Default: daily at 03:17.</summary>
    public string NetworkCron { get; set; } = "17 3 * * *";

    /// <summary>Queue one harvest right after start so the pages fill within a minute.</summary>
    public bool RunOnStart { get; set; } = true;

    /// <summary>
    /// A data source is Stale on the Harvest status page after this many of its cron's periods without a success
    /// (at least 15 minutes). Default 3: batch every minute → 15 min, spot prices every 30 min → 90 min, catalog → 36 h.
    /// </summary>
    public double StaleAfterCronPeriods { get; set; } = 3;

    /// <summary>Per kind ("batch", "spot-prices", "catalog", …), minutes without a success before Stale; wins over StaleAfterCronPeriods.</summary>
    public Dictionary<string, int> StaleAfterMinutes { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ValidateHarvestOptions : IValidateOptions<HarvestOptions>
{
    public ValidateOptionsResult Validate(string? name, HarvestOptions options)
    {
        var errors = new List<string>();
        Check(errors, nameof(HarvestOptions.BatchCron), options.BatchCron);
        Check(errors, nameof(HarvestOptions.SpotPriceCron), options.SpotPriceCron);
        Check(errors, nameof(HarvestOptions.CatalogCron), options.CatalogCron);
        Check(errors, nameof(HarvestOptions.InstanceCron), options.InstanceCron);
        Check(errors, nameof(HarvestOptions.NetworkCron), options.NetworkCron);
        if (options.StaleAfterCronPeriods is < 1 or > 1000 || double.IsNaN(options.StaleAfterCronPeriods))
        {
            errors.Add($"{HarvestOptions.Section}:{nameof(HarvestOptions.StaleAfterCronPeriods)} '{options.StaleAfterCronPeriods}' must be between 1 and 1000 (cron periods without a success before a source is Stale).");
        }

        foreach (var (kind, minutes) in options.StaleAfterMinutes ?? [])
        {
            if (minutes is < 1 or > 525_600)
            {
                errors.Add($"{HarvestOptions.Section}:{nameof(HarvestOptions.StaleAfterMinutes)}:{kind} '{minutes}' must be between 1 and 525600 minutes (a year).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, string key, string? expression)
    {
        if (CronError(expression) is { } error)
        {
            errors.Add($"{HarvestOptions.Section}:{key} '{expression}' is not a valid cron expression ({error}). Example: \"*/5 * * * *\" for every five minutes.");
        }
    }

    public static string? CronError(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return "it is empty";
        }

        try
        {
            CronExpression.Parse(expression);
            return null;
        }
        catch (CronFormatException e)
        {
            return e.Message;
        }
    }
}
