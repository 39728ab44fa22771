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

/// <summary>
/// One "Aws:Targets" entry: an account label, its regions (Region, Regions or both), and optionally the IAM role
/// the app assumes with STS to read that account.
/// </summary>
public sealed class AwsTargetOptions
{
    /// <summary>A label shown in the app (not necessarily the 12-digit account id).</summary>
    public string Account { get; set; } = "";

    /// <summary>One region (the original single-region form; still accepted).</summary>
    public string Region { get; set; } = "";

    /// <summary>Several regions of the same account; each (account, region) pair is harvested as its own target.</summary>
    public List<string> Regions { get; set; } = [];

    /// <summary>An IAM role (arn:aws:iam::123456789012:role/Name) to assume for this account; null signs with the base credentials.</summary>
    public string? RoleArn { get; set; }

    /// <summary>The sts:ExternalId the role's trust policy asks for.</summary>
    public string? ExternalId { get; set; }

    /// <summary>Shown in the account's CloudTrail as the assumed-role session; defaults to "BatchInsights".</summary>
    public string? RoleSessionName { get; set; }

    /// <summary>Region and Regions together, trimmed, without blanks or repeats, in the order given.</summary>
    public IReadOnlyList<string> AllRegions() =>
        new[] { Region }.Concat(Regions ?? [])
            .Select(r => r?.Trim() ?? "")
            .Where(r => r.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
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

        return Targets
            .SelectMany(t => t.AllRegions().Select(region => new AwsTarget(t.Account.Trim(), region)))
            .Distinct()
            .ToList();
    }

    /// <summary>The role to assume for an account label, or null when its targets sign with the base credentials.</summary>
    public AwsRoleSettings? RoleFor(string account)
    {
        var entry = Targets.FirstOrDefault(t =>
            string.Equals(t.Account?.Trim(), account, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(t.RoleArn));
        return entry is null
            ? null
            : new AwsRoleSettings(
                entry.RoleArn!.Trim(),
                string.IsNullOrWhiteSpace(entry.ExternalId) ? null : entry.ExternalId.Trim(),
                string.IsNullOrWhiteSpace(entry.RoleSessionName) ? AwsRoleSettings.DefaultSessionName : entry.RoleSessionName.Trim());
    }
}

/// <summary>The STS AssumeRole parameters of one account.</summary>
public sealed record AwsRoleSettings(string RoleArn, string? ExternalId, string RoleSessionName)
{
    public const string DefaultSessionName = "BatchInsights";
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
            errors.Add("Aws:Targets must list at least one { \"Account\": \"label\", \"Regions\": [\"us-east-1\"] } when Aws:Mode is Aws.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var roles = new Dictionary<string, (int Index, string Role, string External)>(StringComparer.Ordinal);
        for (var i = 0; i < options.Targets.Count; i++)
        {
            var entry = options.Targets[i];
            var account = entry.Account?.Trim() ?? "";
            if (account.Length == 0)
            {
                errors.Add($"Aws:Targets:{i}:Account must be a non-empty label.");
            }

            ValidateRegions(errors, i, entry, account, seen);
            ValidateRole(errors, i, entry, account, roles);
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

internal sealed partial class AwsOptionsValidator
{
    // IAM role ARNs in any partition (aws, aws-cn, aws-us-gov), with an optional path before the name.
    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")]
    private static partial Regex RoleArnPattern();

    // STS AssumeRole's constraints (botocore sts model): externalIdType and roleSessionNameType.
    [GeneratedRegex(@"^[A-Za-z0-9+=,.@:/_-]{2,1224}$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9+=,.@_-]{2,64}$")]
    private static partial Regex SessionNamePattern();

    private static void ValidateRegions(List<string> errors, int i, AwsTargetOptions entry, string account, HashSet<string> seen)
    {
        var region = entry.Region?.Trim() ?? "";
        var regions = entry.Regions ?? [];
        if (region.Length == 0 && regions.Count == 0)
        {
            errors.Add($"Aws:Targets:{i} must give Region (\"us-east-1\") or Regions ([\"us-east-1\", \"eu-west-1\"]).");
            return;
        }

        var keyed = new List<(string Key, string Value)>();
        if (region.Length > 0)
        {
            keyed.Add(($"Aws:Targets:{i}:Region", region));
        }

        for (var j = 0; j < regions.Count; j++)
        {
            keyed.Add(($"Aws:Targets:{i}:Regions:{j}", regions[j]?.Trim() ?? ""));
        }

        var own = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in keyed)
        {
            if (!RegionPattern().IsMatch(value))
            {
                errors.Add($"{key} must be an AWS region code such as us-east-1 (was '{value}').");
            }
            else if (own.Add(value) && !seen.Add($"{account}/{value}"))
            {
                errors.Add($"Aws:Targets:{i} repeats {account}/{value}.");
            }
        }
    }

    private static void ValidateRole(
        List<string> errors, int i, AwsTargetOptions entry, string account, Dictionary<string, (int Index, string Role, string External)> roles)
    {
        var roleArn = entry.RoleArn?.Trim() ?? "";
        var externalId = entry.ExternalId?.Trim() ?? "";
        var sessionName = entry.RoleSessionName?.Trim() ?? "";
        if (roleArn.Length == 0)
        {
            if (externalId.Length > 0)
            {
                errors.Add($"Aws:Targets:{i}:ExternalId is only used with Aws:Targets:{i}:RoleArn; set the role too or remove it.");
            }

            if (sessionName.Length > 0)
            {
                errors.Add($"Aws:Targets:{i}:RoleSessionName is only used with Aws:Targets:{i}:RoleArn; set the role too or remove it.");
            }
        }
        else
        {
            if (!RoleArnPattern().IsMatch(roleArn))
            {
                errors.Add($"Aws:Targets:{i}:RoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name (was '{roleArn}').");
            }

            if (externalId.Length > 0 && !ExternalIdPattern().IsMatch(externalId))
            {
                errors.Add($"Aws:Targets:{i}:ExternalId must be 2 to 1224 characters of letters, digits and +=,.@:/_- .");
            }

            if (sessionName.Length > 0 && !SessionNamePattern().IsMatch(sessionName))
            {
                errors.Add($"Aws:Targets:{i}:RoleSessionName must be 2 to 64 characters of letters, digits and +=,.@_- (was '{sessionName}').");
            }
        }

        // The clients of one account share one set of credentials, so every entry of an account names the same role.
        if (account.Length > 0)
        {
            if (roles.TryGetValue(account, out var first))
            {
                if (!string.Equals(first.Role, roleArn, StringComparison.Ordinal) || !string.Equals(first.External, externalId, StringComparison.Ordinal))
                {
                    errors.Add($"Aws:Targets:{i}:RoleArn and ExternalId must match Aws:Targets:{first.Index} for account '{account}' (one account, one role).");
                }
            }
            else
            {
                roles[account] = (i, roleArn, externalId);
            }
        }
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
