using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Reports.Delivery;

/// <summary>POSTs the report's short summary as JSON to Reports:Webhook:Url (Slack, Teams or generic shape).</summary>
public sealed class WebhookReportSender(IHttpClientFactory httpClientFactory, IOptions<ReportOptions> options)
{
    public const string HttpClientName = "report-webhook";

    /// <summary>The ledger's recipient for the configured webhook: kind and host, never the URL (it carries the secret).</summary>
    public static string RecipientOf(WebhookSettings webhook) =>
        $"{webhook.Kind.ToString().ToLowerInvariant()}:{(Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) ? url.Authority : "?")}";

    internal static JsonObject Payload(RenderedReport report, WebhookKind kind) => kind switch
    {
        WebhookKind.Slack => new JsonObject { ["text"] = $"*{report.Subject}*\n{report.TextSummary}" },
        // Office 365 connector card; Teams workflows also read the plain "text".
        WebhookKind.Teams => new JsonObject
        {
            ["@type"] = "MessageCard",
            ["@context"] = "https://schema.org/extensions",
            ["summary"] = report.Subject,
            ["title"] = report.Subject,
            ["text"] = report.TextSummary,
        },
        _ => new JsonObject
        {
            ["week"] = report.Week.ToString(),
            ["subject"] = report.Subject,
            ["summary"] = report.TextSummary,
        },
    };

    internal async Task<SendReceipt> SendAsync(RenderedReport report, CancellationToken cancellationToken)
    {
        var webhook = options.Value.Webhook ?? throw new DeliveryFailedException($"{ReportOptions.Section}:Webhook is not configured.");
        var url = new Uri(webhook.Url!, UriKind.Absolute);
        var http = httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(url, Payload(report, webhook.Kind), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryFailedException($"Webhook {url.Authority} could not be reached ({e.Message}) — check Reports:Webhook:Url", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryFailedException($"Webhook {url.Authority} did not answer within {http.Timeout.TotalSeconds:0} s — check Reports:Webhook:Url", e);
        }

        using (response)
        {
            var status = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var detail = string.IsNullOrWhiteSpace(body) ? "" : $": {(body.Length > 200 ? body[..200] + "…" : body).Trim()}";
                throw new DeliveryFailedException($"Webhook {url.Authority} answered {status}{detail} — check Reports:Webhook:Url and Kind");
            }

            return new SendReceipt(status);
        }
    }
}
