using BatchInsights.Core.Jobs;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Costs;

/// <summary>The "Costs" section of appsettings.json.</summary>
public sealed class CostOptions
{
    public const string Section = "Costs";

    /// <summary>Cron expression (UTC, 5 fields) for the cost roll-up. Default: every 15 minutes (after the instance harvest's cadence).</summary>
    public string Cron { get; set; } = "*/15 * * * *";

    /// <summary>Job tag keys the roll-ups split costs by (each key is a full copy of the roll-ups; keep the list short). Unset: team, project.</summary>
    // Null rather than a pre-filled list: the configuration binder appends to an existing list instead of replacing it.
    public List<string>? TagKeys { get; set; }

    public static readonly IReadOnlyList<string> DefaultTagKeys = ["team", "project"];

    /// <summary>The configured tag keys, or the defaults when none are configured.</summary>
    public IReadOnlyList<string> EffectiveTagKeys => TagKeys ?? DefaultTagKeys;
}

public sealed class ValidateCostOptions : IValidateOptions<CostOptions>
{
    public ValidateOptionsResult Validate(string? name, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (ValidateHarvestOptions.CronError(options.Cron) is { } error)
        {
            errors.Add($"{CostOptions.Section}:{nameof(CostOptions.Cron)} '{options.Cron}' is not a valid cron expression ({error}). Example: \"*/15 * * * *\".");
        }

        var keys = options.EffectiveTagKeys;
        if (keys.Count > 10)
        {
            errors.Add($"{CostOptions.Section}:{nameof(CostOptions.TagKeys)} lists {keys.Count} keys; at most 10 (each one is a full copy of the roll-ups).");
        }

        if (keys.Any(string.IsNullOrWhiteSpace) || keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            errors.Add($"{CostOptions.Section}:{nameof(CostOptions.TagKeys)} must hold distinct, non-empty tag keys.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
