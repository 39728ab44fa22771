using System.Collections.Concurrent;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;

namespace BatchInsights.Tests.Pricing;

/// <summary>Records what the client really put on the wire (headers and body), then sends it on.</summary>
internal sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
{
    public ConcurrentQueue<(string? Target, string Body, Uri Uri)> Sent { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.Single() : null;
        Sent.Enqueue((target, body, request.RequestUri!));
        return await base.SendAsync(request, cancellationToken);
    }
}

internal static class PricingClients
{
    public static PricingApiClient Create(Uri endpoint, HttpMessageHandler? handler = null) =>
        new(
            handler is null ? new HttpClient() : new HttpClient(handler),
            endpoint,
            AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
            TestClients.FastPolicy,
            new TokenBucket(10_000, 10_000, TimeProvider.System),
            TimeProvider.System);
}
