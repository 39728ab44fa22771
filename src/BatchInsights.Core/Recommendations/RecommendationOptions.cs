using BatchInsights.Core.Jobs;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Recommendations;

/// <summary>The "Recommendations" section of appsettings.json.</summary>
public sealed class RecommendationOptions
{
    public const string Section = "Recommendations";

    /// <summary>Cron expression (UTC, 5 fields) for the recommendation run. Default: hourly at minute 7.</summary>
    public string Cron { get; set; } = "7 * * * *";

    /// <summary>Days of harvested history the rules look at. Default 14.</summary>
    public int WindowDays { get; set; } = 14;

    /// <summary>
    /// A Spot budget cap as % of On-Demand (1–100). Unset (default) = follow AWS's advice and leave bidPercentage empty
    /// (aws-facts §4.3); set = the Spot max price rule recommends this cap instead.
    /// </summary>
    public int? SpotBudgetCapPercent { get; set; }

    /// <summary>Minutes from launch until an instance runs jobs (billed). Default 3.</summary>
    public double InstanceBootMinutes { get; set; } = 3;

    /// <summary>Minutes an idle instance stays before Batch scales it down (billed). Default 10.</summary>
    public double ScaleDownIdleMinutes { get; set; } = 10;

    /// <summary>Assumptions of the network path rule (Recommendations:Network).</summary>
    public NetworkAssumptionOptions Network { get; set; } = new();

    public RecommendationSettings ToSettings() => new(SpotBudgetCapPercent, InstanceBootMinutes, ScaleDownIdleMinutes)
    {
        Network = new NetworkAssumptions(Network.ImageSizeGb, Network.S3ShareOfNatBytes, Network.InterfaceServiceShareOfNatBytes, Network.NatInstanceType),
    };
}

/// <summary>The "Recommendations:Network" section: what the network path rule assumes where nothing is measured.</summary>
public sealed class NetworkAssumptionOptions
{
    /// <summary>GB pulled per instance launch, used when no NAT bytes were measured. Default 1.</summary>
    public double ImageSizeGb { get; set; } = 1.0;

    /// <summary>Share (0–1) of NAT bytes going to S3 (ECR image layers, job data). Default 0.5.</summary>
    public double S3ShareOfNatBytes { get; set; } = 0.5;

    /// <summary>Share (0–1) of NAT bytes going to ECS, ECR API/registry and CloudWatch Logs. Default 0.2.</summary>
    public double InterfaceServiceShareOfNatBytes { get; set; } = 0.2;

    /// <summary>Instance type assumed for a NAT instance (its type is not harvested). Default t3.small.</summary>
    public string NatInstanceType { get; set; } = "t3.small";
}

public sealed class ValidateRecommendationOptions : IValidateOptions<RecommendationOptions>
{
    public ValidateOptionsResult Validate(string? name, RecommendationOptions options)
    {
        var errors = new List<string>();
        if (ValidateHarvestOptions.CronError(options.Cron) is { } cron)
        {
            errors.Add($"{RecommendationOptions.Section}:{nameof(RecommendationOptions.Cron)} '{options.Cron}' is not a valid cron expression ({cron}).");
        }

        if (options.WindowDays is < 1 or > 366)
        {
            errors.Add($"{RecommendationOptions.Section}:{nameof(RecommendationOptions.WindowDays)} '{options.WindowDays}' must be between 1 and 366.");
        }

        if (options.SpotBudgetCapPercent is < 1 or > 100)
        {
            errors.Add($"{RecommendationOptions.Section}:{nameof(RecommendationOptions.SpotBudgetCapPercent)} '{options.SpotBudgetCapPercent}' must be between 1 and 100 (% of the On-Demand price), or left out.");
        }

        if (options.InstanceBootMinutes is < 0 or > 60 || options.ScaleDownIdleMinutes is < 0 or > 240)
        {
            errors.Add($"{RecommendationOptions.Section}:{nameof(RecommendationOptions.InstanceBootMinutes)} must be 0–60 and {nameof(RecommendationOptions.ScaleDownIdleMinutes)} 0–240 minutes.");
        }

        var network = options.Network;
        if (network.ImageSizeGb is < 0 or > 1000)
        {
            errors.Add($"{RecommendationOptions.Section}:Network:{nameof(NetworkAssumptionOptions.ImageSizeGb)} '{network.ImageSizeGb}' must be 0–1000 GB.");
        }

        if (network.S3ShareOfNatBytes is < 0 or > 1 || network.InterfaceServiceShareOfNatBytes is < 0 or > 1
            || network.S3ShareOfNatBytes + network.InterfaceServiceShareOfNatBytes > 1)
        {
            errors.Add($"{RecommendationOptions.Section}:Network:{nameof(NetworkAssumptionOptions.S3ShareOfNatBytes)} and {nameof(NetworkAssumptionOptions.InterfaceServiceShareOfNatBytes)} must be shares between 0 and 1 that add up to at most 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
