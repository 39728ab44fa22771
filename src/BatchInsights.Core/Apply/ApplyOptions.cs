using BatchInsights.Core.Aws;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Apply;

/// <summary>The "Apply" section: whether the app may change compute environments, and how it spots IaC-managed ones.</summary>
public sealed class ApplyOptions
{
    public const string Section = "Apply";

    public static readonly IReadOnlyList<string> DefaultIacTags = ["ManagedBy=terraform", "terraform"];

    /// <summary>
    /// Safety switch. Unset: on — only signed-in Operators and Admins can apply, and against real AWS the task role also
    /// needs the apply IAM policy. Set false to make this instance read-only whatever the roles say.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Tags ("key" or "key=value") that mark a CE as managed by infrastructure code, besides CloudFormation's own stack tag.
    /// Unset or empty: <see cref="DefaultIacTags"/>. (An array default would be appended to by the binder, not replaced.)
    /// </summary>
    public string[]? IacTags { get; set; }

    /// <summary>How often the status of an updated CE is re-read until it leaves UPDATING.</summary>
    public int FollowIntervalSeconds { get; set; } = 30;

    /// <summary>After this long still UPDATING, the outcome is recorded as timed out (AWS: typically 10–30 minutes).</summary>
    public int FollowTimeoutMinutes { get; set; } = 60;

    public IReadOnlyList<string> EffectiveIacTags => IacTags is { Length: > 0 } tags ? tags : DefaultIacTags;

    public bool IsEnabled => Enabled ?? true;
}

internal sealed class ValidateApplyOptions : IValidateOptions<ApplyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApplyOptions options)
    {
        var errors = new List<string>();
        if (options.FollowIntervalSeconds is < 1 or > 3600)
        {
            errors.Add($"{ApplyOptions.Section}:{nameof(ApplyOptions.FollowIntervalSeconds)} must be between 1 and 3600 (seconds).");
        }

        if (options.FollowTimeoutMinutes is < 1 or > 24 * 60)
        {
            errors.Add($"{ApplyOptions.Section}:{nameof(ApplyOptions.FollowTimeoutMinutes)} must be between 1 and 1440 (minutes).");
        }

        if (options.IacTags?.Any(string.IsNullOrWhiteSpace) == true)
        {
            errors.Add($"{ApplyOptions.Section}:{nameof(ApplyOptions.IacTags)} entries must be \"key\" or \"key=value\", not empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
