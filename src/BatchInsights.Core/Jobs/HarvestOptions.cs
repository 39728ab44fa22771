using Cronos;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Jobs;

/// <summary>The "Harvest" section of appsettings.json.</summary>
public sealed class HarvestOptions
{
    public const string Section = "Harvest";

    /// <summary>Cron expression (UTC, 5 fields) for the Batch harvest. Default: every minute.</summary>
    public string BatchCron { get; set; } = "* * * * *";

    /// <summary>Queue one harvest right after start so the pages fill within a minute.</summary>
    public bool RunOnStart { get; set; } = true;
}

public sealed class ValidateHarvestOptions : IValidateOptions<HarvestOptions>
{
    public ValidateOptionsResult Validate(string? name, HarvestOptions options)
    {
        var error = CronError(options.BatchCron);
        return error is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{HarvestOptions.Section}:{nameof(HarvestOptions.BatchCron)} '{options.BatchCron}' is not a valid cron expression ({error}). Example: \"*/5 * * * *\" for every five minutes.");
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
