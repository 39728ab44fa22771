using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class ReportOptionsTests
{
    [Fact]
    public async Task Bind_NoReportsSection_DefaultsAreMondayEightUtcWithNobodyToSendTo()
    {
        await using var harness = new DeliveryHarness(new Dictionary<string, string?>());

        var options = harness.Options;

        Assert.Equal("0 8 * * 1", options.Cron);
        Assert.Equal(TimeZoneInfo.Utc.BaseUtcOffset, options.ResolveTimeZone().BaseUtcOffset);
        Assert.Empty(options.EffectiveRecipients);
        Assert.Null(options.Webhook);
        Assert.Equal(6, options.MaxAttempts);
        Assert.Equal(587, options.Smtp.Port);
    }

    [Fact]
    public async Task Bind_ShippedAppsettings_IsValidAndSendsNothingUntilRecipientsAreSet()
    {
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false).Build();
        var reports = shipped.GetSection(ReportOptions.Section).AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null).ToDictionary();
        await using var harness = new DeliveryHarness(reports);

        var options = harness.Options;

        Assert.Equal(("0 8 * * 1", "UTC", 6), (options.Cron, options.TimeZone, options.MaxAttempts));
        Assert.Equal(ReportOptions.DefaultRetryMinutes, options.EffectiveRetryMinutes);
        Assert.Empty(options.EffectiveRecipients);
        Assert.Empty((await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)).Statuses);
    }

    [Fact]
    public async Task Bind_FullSection_ReadsZoneListsAndEnumsCaseInsensitively()
    {
        var keys = DeliveryHarness.Smtp(465, "a@example.com", "Bob <bob@example.com>");
        keys["TimeZone"] = "Europe/Berlin";
        keys["Smtp:Security"] = "sslonconnect";
        keys["Webhook:Url"] = "https://hooks.slack.com/services/T0/B0/x";
        keys["Webhook:Kind"] = "slack";
        keys["RetryMinutes:0"] = "2";
        keys["RetryMinutes:1"] = "30";
        await using var harness = new DeliveryHarness(keys);

        var options = harness.Options;

        Assert.Equal("Europe/Berlin", options.ResolveTimeZone().Id);
        Assert.Equal(SmtpSecurity.SslOnConnect, options.Smtp.Security);
        Assert.Equal(WebhookKind.Slack, options.Webhook!.Kind);
        Assert.Equal(["a@example.com", "Bob <bob@example.com>"], options.EffectiveRecipients);
        Assert.Equal([TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)], [options.RetryDelay(1), options.RetryDelay(2), options.RetryDelay(5)]);
    }

    [Theory]
    [InlineData("Recipients:0", "not-an-address", "Reports:Recipients 'not-an-address' is not an e-mail address")]
    [InlineData("Recipients:0", "someone@", "Reports:Recipients 'someone@' is not an e-mail address")]
    [InlineData("Cron", "every monday", "Reports:Cron 'every monday' is not a valid cron expression")]
    [InlineData("Cron", "0 8 * *", "Example: \"0 8 * * 1\" for Mondays at 08:00")]
    [InlineData("TimeZone", "Mars/Olympus_Mons", "Reports:TimeZone 'Mars/Olympus_Mons' is not a known time zone. Use an IANA id such as")]
    [InlineData("Smtp:From", "reports", "Reports:Smtp:From 'reports' is not an e-mail address")]
    [InlineData("Smtp:Host", "", "Reports:Smtp:Host is empty but Reports:Recipients lists addresses")]
    [InlineData("Webhook:Url", "hooks.slack.com/x", "Reports:Webhook:Url 'hooks.slack.com/x' is not an http(s) URL")]
    [InlineData("MaxAttempts", "0", "Reports:MaxAttempts '0' must be between 1 and 100")]
    [InlineData("WaitForCostsHours", "-1", "Reports:WaitForCostsHours '-1' must be between 0 and 168")]
    public async Task Validate_BadValue_StopsWithMessageNamingTheKey(string key, string value, string expected)
    {
        var keys = DeliveryHarness.Smtp(587, "lead@example.com");
        keys[key] = value;
        await using var harness = new DeliveryHarness(keys);

        var error = Assert.Throws<OptionsValidationException>(() => harness.Options);

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_NoRecipients_NeedsNoSmtpServer()
    {
        await using var harness = new DeliveryHarness(new Dictionary<string, string?> { ["TimeZone"] = "America/New_York", ["Smtp:From"] = "" });

        Assert.Equal("America/New_York", harness.Options.TimeZone);
    }
}
