using System.Globalization;
using BatchInsights.Core.Jobs;
using Microsoft.Extensions.Options;
using MimeKit;

namespace BatchInsights.Core.Reports;

/// <summary>The "Reports" section of appsettings.json: when the weekly report is built and where it is sent.</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>Cron expression (5 fields, in <see cref="TimeZone"/>) for building and sending last week's report. Default: Monday 08:00.</summary>
    public string Cron { get; set; } = "0 8 * * 1";

    /// <summary>IANA time zone id ("Europe/Berlin") of the schedule and of the report's Monday-to-Monday weeks. Default: UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>E-mail addresses that get the report; each gets its own message. Unset or empty: no e-mail.</summary>
    // Null rather than a pre-filled list: the configuration binder appends to an existing list instead of replacing it.
    public List<string>? Recipients { get; set; }

    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>Optional chat webhook that gets a short summary.</summary>
    public WebhookSettings? Webhook { get; set; }

    /// <summary>
    /// How long after the week's end the scheduled send waits for the cost roll-up to reach the week's end (re-checking every
    /// 30 minutes) before it sends the report marked provisional. Default 12 hours; 0 sends at once.
    /// </summary>
    public int WaitForCostsHours { get; set; } = 12;

    /// <summary>Sends of one recipient (first try included) before it is given up. Default 6.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Minutes to wait after the 1st, 2nd, … failed send; the last value repeats. Unset: 5, 15, 60, 240, 720.</summary>
    public List<int>? RetryMinutes { get; set; }

    public static readonly IReadOnlyList<int> DefaultRetryMinutes = [5, 15, 60, 240, 720];

    public IReadOnlyList<string> EffectiveRecipients => Recipients ?? [];

    public IReadOnlyList<int> EffectiveRetryMinutes => RetryMinutes is { Count: > 0 } ? RetryMinutes : DefaultRetryMinutes;

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failed send.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var minutes = EffectiveRetryMinutes;
        return TimeSpan.FromMinutes(minutes[Math.Clamp(failedAttempts - 1, 0, minutes.Count - 1)]);
    }

    /// <summary>The configured zone; validation at start guarantees it exists.</summary>
    public TimeZoneInfo ResolveTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>Reports:Smtp — the server MailKit hands the messages to.</summary>
public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>Login; unset means the server is used without authentication.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Sender address, e.g. "BatchInsights &lt;batch-reports@example.com&gt;".</summary>
    public string? From { get; set; }
}

/// <summary>Auto: TLS on connect for port 465, STARTTLS when the server offers it otherwise.</summary>
public enum SmtpSecurity
{
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>Reports:Webhook — an incoming-webhook URL of Slack, Teams or any service taking JSON.</summary>
public sealed class WebhookSettings
{
    public string? Url { get; set; }

    public WebhookKind Kind { get; set; } = WebhookKind.Generic;
}

public enum WebhookKind
{
    Generic,
    Slack,
    Teams,
}

public sealed class ValidateReportOptions : IValidateOptions<ReportOptions>
{
    private const string S = ReportOptions.Section;

    public ValidateOptionsResult Validate(string? name, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (ValidateHarvestOptions.CronError(options.Cron) is { } cronError)
        {
            errors.Add($"{S}:{nameof(ReportOptions.Cron)} '{options.Cron}' is not a valid cron expression ({cronError}). Example: \"0 8 * * 1\" for Mondays at 08:00 in {S}:{nameof(ReportOptions.TimeZone)}.");
        }

        if (string.IsNullOrWhiteSpace(options.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            errors.Add($"{S}:{nameof(ReportOptions.TimeZone)} '{options.TimeZone}' is not a known time zone. Use an IANA id such as \"UTC\", \"Europe/Berlin\" or \"America/New_York\".");
        }

        foreach (var recipient in options.EffectiveRecipients)
        {
            if (!IsMailbox(recipient))
            {
                errors.Add($"{S}:{nameof(ReportOptions.Recipients)} '{recipient}' is not an e-mail address. Example: \"team-lead@example.com\".");
            }
        }

        if (options.EffectiveRecipients.Count > 0)
        {
            ValidateSmtp(options.Smtp ?? new SmtpSettings(), errors);
        }

        if (options.Webhook is { } webhook
            && (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"{S}:Webhook:Url '{webhook.Url}' is not an http(s) URL. Example: \"https://hooks.slack.com/services/T000/B000/XXXX\"; remove the Webhook section to send no webhook.");
        }

        if (options.WaitForCostsHours is < 0 or > 168)
        {
            errors.Add($"{S}:{nameof(ReportOptions.WaitForCostsHours)} '{options.WaitForCostsHours}' must be between 0 and 168 (hours after the week's end the scheduled send waits for the cost roll-up; 0 sends at once).");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            errors.Add($"{S}:{nameof(ReportOptions.MaxAttempts)} '{options.MaxAttempts}' must be between 1 and 100 (sends per recipient before giving up).");
        }

        if (options.RetryMinutes is { } retry && retry.Any(m => m is < 1 or > 10_080))
        {
            errors.Add($"{S}:{nameof(ReportOptions.RetryMinutes)} [{string.Join(", ", retry.Select(m => m.ToString(CultureInfo.InvariantCulture)))}] must hold minutes between 1 and 10080 (a week). Example: [5, 15, 60, 240, 720].");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateSmtp(SmtpSettings smtp, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            errors.Add($"{S}:Smtp:Host is empty but {S}:{nameof(ReportOptions.Recipients)} lists addresses. Set the SMTP server, e.g. \"smtp.example.com\", or remove the recipients.");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            errors.Add($"{S}:Smtp:Port '{smtp.Port}' must be between 1 and 65535 (587 for STARTTLS, 465 for TLS on connect, 25 for plain).");
        }

        if (!IsMailbox(smtp.From))
        {
            errors.Add($"{S}:Smtp:From '{smtp.From}' is not an e-mail address. Example: \"BatchInsights <batch-reports@example.com>\".");
        }

        if (!string.IsNullOrEmpty(smtp.UserName) && smtp.Password is null)
        {
            errors.Add($"{S}:Smtp:Password is not set but {S}:Smtp:UserName is; set both (e.g. through the environment variable Reports__Smtp__Password) or neither.");
        }
    }

    /// <summary>One mailbox with a local part and a domain ("a@b.example", optionally with a display name).</summary>
    internal static bool IsMailbox(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && MailboxAddress.TryParse(ParserOptions.Default, value, out var mailbox)
        && mailbox.LocalPart.Length > 0
        && mailbox.Domain.Length > 0
        && !mailbox.Domain.StartsWith('.')
        && !mailbox.Domain.EndsWith('.');
}
