using System.Collections.Concurrent;
using System.Text.Json;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _bodies = new();
    private WebApplication _hook = null!;
    private Uri _url = null!;

    /// <summary>What the loopback webhook answers next.</summary>
    private int Status { get; set; } = StatusCodes.Status200OK;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _hook = builder.Build();
        _hook.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            _bodies.Enqueue(await reader.ReadToEndAsync());
            context.Response.StatusCode = Status;
            if (Status >= 400)
            {
                await context.Response.WriteAsync("boom: channel_not_found");
            }
        });
        await _hook.StartAsync();
        _url = new Uri(new Uri(_hook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/hook");
    }

    public async Task DisposeAsync()
    {
        await _hook.StopAsync();
        await _hook.DisposeAsync();
    }

    private DeliveryHarness Harness(string kind) => new(new Dictionary<string, string?> { ["Webhook:Url"] = _url.ToString(), ["Webhook:Kind"] = kind });

    [Fact]
    public async Task Deliver_SlackWebhookAnswers200_PostsTextOnceAndRowIsSent()
    {
        await using var harness = Harness("slack");

        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);
        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);

        var body = JsonDocument.Parse(Assert.Single(_bodies)).RootElement;
        var report = FakeWeeklyReportSource.Sample();
        Assert.Equal($"*{report.Subject}*\n{report.TextSummary}", body.GetProperty("text").GetString());
        var row = Assert.Single(await harness.RowsAsync());
        Assert.Equal((DeliveryChannel.Webhook, $"slack:{_url.Authority}", DeliveryState.Sent, "HTTP 200 OK"), (row.Channel, row.Recipient, row.State, row.MessageId));
    }

    [Fact]
    public async Task Deliver_WebhookAnswers500_FailedWithStatusThenRetrySends()
    {
        await using var harness = Harness("generic");
        Status = StatusCodes.Status500InternalServerError;

        var failed = Assert.Single((await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)).Statuses);

        Assert.Equal(DeliveryState.Failed, failed.State);
        Assert.Equal($"Webhook {_url.Authority} answered HTTP 500 Internal Server Error: boom: channel_not_found — check Reports:Webhook:Url and Kind", failed.LastError);
        Status = StatusCodes.Status200OK;
        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        await harness.Delivery.RetryDueAsync();
        Assert.Equal((DeliveryState.Sent, 2), (Assert.Single(await harness.RowsAsync()).State, Assert.Single(await harness.RowsAsync()).Attempts));
        var generic = JsonDocument.Parse(_bodies.Last()).RootElement;
        Assert.Equal(("2026-W47", FakeWeeklyReportSource.Sample().Subject), (generic.GetProperty("week").GetString(), generic.GetProperty("subject").GetString()));
        Assert.Equal(2, _bodies.Count);
    }

    [Fact]
    public void Payload_Teams_IsAMessageCardWithTitleAndText()
    {
        var report = FakeWeeklyReportSource.Sample();

        var card = WebhookReportSender.Payload(report, WebhookKind.Teams);

        Assert.Equal("MessageCard", (string?)card["@type"]);
        Assert.Equal(report.Subject, (string?)card["title"]);
        Assert.Equal(report.TextSummary, (string?)card["text"]);
    }

    [Fact]
    public async Task Deliver_WebhookNotListening_FailedNamingTheKey()
    {
        var port = LoopbackSmtpServer.FreePort();
        await using var harness = new DeliveryHarness(new Dictionary<string, string?> { ["Webhook:Url"] = $"http://127.0.0.1:{port}/hook" });

        var failed = Assert.Single((await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)).Statuses);

        Assert.Equal(DeliveryState.Failed, failed.State);
        Assert.StartsWith($"Webhook 127.0.0.1:{port} could not be reached", failed.LastError, StringComparison.Ordinal);
        Assert.EndsWith("check Reports:Webhook:Url", failed.LastError, StringComparison.Ordinal);
    }
}
