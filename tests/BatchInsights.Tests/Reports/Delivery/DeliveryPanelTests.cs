using BatchInsights.Core.Data;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Reports;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class DeliveryPanelTests : UiTestContext
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    private DeliveryHarness? _harness;

    private void UseHarness(Dictionary<string, string?> reports)
    {
        _harness = new DeliveryHarness(reports, Db);
        Services.AddTransient(_ => _harness.Services.GetRequiredService<ReportDeliveryService>());
        Services.AddSingleton(_harness.Services.GetRequiredService<IOptions<ReportOptions>>());
    }

    private IRenderedComponent<DeliveryPanel> RenderPanel() => Render<DeliveryPanel>(p => p.Add(x => x.Week, DeliveryHarness.Week));

    private static ReportDeliveryRow Row(string recipient, DeliveryState state, int attempts, string? error = null) => new()
    {
        Week = DeliveryHarness.Week.ToString(),
        Channel = DeliveryChannel.Email,
        Recipient = recipient,
        State = state,
        Attempts = attempts,
        LastError = error,
        NextAttemptAt = state == DeliveryState.Failed ? Now.AddMinutes(15) : null,
        SentAt = state == DeliveryState.Sent ? Now : null,
        CreatedAt = Now,
    };

    [Fact]
    public void Render_SentFailedAndGivenUp_ShowsStateAttemptsErrorAndRetryOnlyWhereItHelps()
    {
        UseHarness(DeliveryHarness.Smtp(25, "a@example.com", "b@example.com", "c@example.com", "d@example.com"));
        Db.Add(
            Row("a@example.com", DeliveryState.Sent, 1),
            Row("b@example.com", DeliveryState.Failed, 2, "SMTP server mail.example.com:587 refused connection — check Reports:Smtp:Host/Port"),
            Row("c@example.com", DeliveryState.GaveUp, 6, "SMTP server mail.example.com:587 refused connection — check Reports:Smtp:Host/Port"));

        var panel = RenderPanel();

        panel.WaitForAssertion(() => Assert.Equal(4, panel.FindAll("[data-testid=delivery-row]").Count));
        var rows = panel.FindAll("[data-testid=delivery-row]");
        Assert.Equal(["Sent", "Failed", "GaveUp", "NotSent"], rows.Select(r => r.GetAttribute("data-state")));
        Assert.Equal(["Sent", "Failed", "Gave up", "Not sent"], rows.Select(r => r.QuerySelector("[data-testid=delivery-state]")!.TextContent.Trim()));
        Assert.Equal("2 / 6", rows[1].QuerySelector("[data-testid=delivery-attempts]")!.TextContent.Trim());
        Assert.Contains("refused connection — check Reports:Smtp:Host/Port", rows[1].QuerySelector("[data-testid=delivery-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("retry at 2026-11-23 08:15 UTC", rows[1].QuerySelector("[data-testid=delivery-when]")!.TextContent.Trim());
        Assert.Equal("sent 2026-11-23 08:00 UTC", rows[0].QuerySelector("[data-testid=delivery-when]")!.TextContent.Trim());
        Assert.Equal([false, true, true, false], rows.Select(r => r.QuerySelector("[data-testid=retry]") is not null));
    }

    [Fact]
    public async Task SendNow_LoopbackSmtp_RowsTurnSentAndAlreadySentIsNotResent()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        UseHarness(DeliveryHarness.Smtp(smtp.Port, "a@example.com", "b@example.com"));
        Db.Add(Row("a@example.com", DeliveryState.Sent, 1));
        var panel = RenderPanel();
        panel.WaitForAssertion(() => Assert.Equal(2, panel.FindAll("[data-testid=delivery-row]").Count));

        panel.Find("[data-testid=send-now]").Click();

        panel.WaitForAssertion(() => Assert.Equal(["Sent", "Sent"], panel.FindAll("[data-testid=delivery-row]").Select(r => r.GetAttribute("data-state"))));
        Assert.Equal(["b@example.com"], smtp.Received.SelectMany(m => m.EnvelopeTo));
        Assert.True(panel.Find("[data-testid=send-now]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Retry_FailedRowAndServerNowUp_ShowsSent()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        UseHarness(DeliveryHarness.Smtp(smtp.Port, "b@example.com"));
        _harness!.Source.Built(DeliveryHarness.Week);
        Db.Add(Row("b@example.com", DeliveryState.Failed, 2, "SMTP server 127.0.0.1:1 refused connection — check Reports:Smtp:Host/Port"));
        var panel = RenderPanel();
        panel.WaitForAssertion(() => Assert.NotNull(panel.Find("[data-testid=retry]")));

        panel.Find("[data-testid=retry]").Click();

        panel.WaitForAssertion(() => Assert.Equal("Sent", panel.Find("[data-testid=delivery-row]").GetAttribute("data-state")));
        Assert.Equal("3 / 6", panel.Find("[data-testid=delivery-attempts]").TextContent.Trim());
        Assert.Empty(panel.Find("[data-testid=delivery-error]").TextContent.Trim());
        Assert.Single(smtp.Received);
    }

    [Fact]
    public void Render_NothingConfigured_SaysWhichKeysToSet()
    {
        UseHarness([]);

        var panel = RenderPanel();

        panel.WaitForAssertion(() => Assert.Contains("Reports:Recipients", panel.Find("[data-testid=no-recipients]").TextContent, StringComparison.Ordinal));
        Assert.True(panel.Find("[data-testid=send-now]").HasAttribute("disabled"));
    }
}
