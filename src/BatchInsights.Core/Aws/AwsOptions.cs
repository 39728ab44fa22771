using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Aws;

/// <summary>Where the AWS calls go: the simulated account on loopback, or real AWS.</summary>
// A lenient converter so an unknown value reaches the validator (and its readable message)
// instead of failing inside the configuration binder.
[TypeConverter(typeof(AwsModeConverter))]
public enum AwsMode
{
    Sandbox,
    Aws,
}

/// <summary>One "Aws:Targets" entry: an account label and a region.</summary>
public sealed class AwsTargetOptions
{
    /// <summary>A label shown in the app (not necessarily the 12-digit account id).</summary>
    public string Account { get; set; } = "";

    public string Region { get; set; } = "";
}

/// <summary>The "Aws" section of appsettings.json.</summary>
public sealed class AwsOptions
{
    public const string Section = "Aws";

    /// <summary>Fixed keys the app signs with in Sandbox mode; the sandbox accepts any well-formed signature.</summary>
    public const string SandboxAccessKeyId = "SANDBOXACCESSKEY";
    public const string SandboxSecretAccessKey = "sandbox-secret";

    /// <summary>The target used in Sandbox mode when <see cref="Targets"/> is empty.</summary>
    public static readonly AwsTarget DefaultSandboxTarget = new("sandbox", "us-east-1");

    public AwsMode Mode { get; set; } = AwsMode.Sandbox;

    public List<AwsTargetOptions> Targets { get; set; } = [];

    /// <summary>Client-side budget per account+region+service (Batch, EC2), shared by all clients of that target and service.</summary>
    public double MaxCallsPerSecond { get; set; } = 10;

    /// <summary>Retries after the first attempt for throttling, 5xx and timeouts.</summary>
    public int MaxRetries { get; set; } = 8;

    public int CallTimeoutSeconds { get; set; } = 30;

    /// <summary>Base URL replacing https://batch.{region}.amazonaws.com (the sandbox, moto, a VPC endpoint).</summary>
    public string? EndpointOverride { get; set; }

    /// <summary>The configured targets, or the sandbox default when none are configured in Sandbox mode.</summary>
    public IReadOnlyList<AwsTarget> ResolveTargets()
    {
        if (Targets.Count == 0 && Mode == AwsMode.Sandbox)
        {
            return [DefaultSandboxTarget];
        }

        return Targets.Select(t => new AwsTarget(t.Account.Trim(), t.Region.Trim())).ToList();
    }
}

internal sealed partial class AwsOptionsValidator : IValidateOptions<AwsOptions>
{
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    public ValidateOptionsResult Validate(string? name, AwsOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add("Aws:Mode must be Sandbox or Aws.");
        }

        if (options.Mode == AwsMode.Aws && options.Targets.Count == 0)
        {
            errors.Add("Aws:Targets must list at least one { \"Account\": \"label\", \"Region\": \"us-east-1\" } when Aws:Mode is Aws.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Targets.Count; i++)
        {
            var account = options.Targets[i].Account?.Trim() ?? "";
            var region = options.Targets[i].Region?.Trim() ?? "";
            if (account.Length == 0)
            {
                errors.Add($"Aws:Targets:{i}:Account must be a non-empty label.");
            }

            if (!RegionPattern().IsMatch(region))
            {
                errors.Add($"Aws:Targets:{i}:Region must be an AWS region code such as us-east-1 (was '{region}').");
            }
            else if (!seen.Add($"{account}/{region}"))
            {
                errors.Add($"Aws:Targets:{i} repeats {account}/{region}.");
            }
        }

        if (!(options.MaxCallsPerSecond > 0 && options.MaxCallsPerSecond <= 1000))
        {
            errors.Add("Aws:MaxCallsPerSecond must be greater than 0 and at most 1000.");
        }

        if (options.MaxRetries is < 0 or > 20)
        {
            errors.Add("Aws:MaxRetries must be between 0 and 20.");
        }

        if (options.CallTimeoutSeconds is < 1 or > 600)
        {
            errors.Add("Aws:CallTimeoutSeconds must be between 1 and 600.");
        }

        if (!string.IsNullOrWhiteSpace(options.EndpointOverride)
            && !(Uri.TryCreate(options.EndpointOverride, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add($"Aws:EndpointOverride must be an absolute http(s) URL (was '{options.EndpointOverride}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class AwsModeConverter : EnumConverter
{
    public AwsModeConverter()
        : base(typeof(AwsMode))
    {
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is string text)
        {
            // Names only (case-insensitive): "1" or "Banana" become an undefined value the validator reports.
            return Enum.TryParse<AwsMode>(text.Trim(), ignoreCase: true, out var mode) && !int.TryParse(text, out _)
                ? mode
                : (AwsMode)(-1);
        }

        return base.ConvertFrom(context, culture, value);
    }
}
