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
