using System.Text;
using System.Text.Json;
using BatchInsights.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Sandbox;

/// <summary>Raw REST-JSON calls to a sandbox, with a SigV4-shaped Authorization header (the sandbox checks its shape only).</summary>
internal sealed class SandboxClient(Uri baseAddress) : IDisposable
{
    public const string DummyAuthorization =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261101/us-east-1/batch/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

    private readonly HttpClient _http = new() { BaseAddress = baseAddress };

    public Task<HttpResponseMessage> PostAsync(string operation, object body, bool signed = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{operation}")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (signed) request.Headers.TryAddWithoutValidation("Authorization", DummyAuthorization);
        return _http.SendAsync(request);
    }

    public async Task<JsonElement> CallAsync(string operation, object body)
    {
        using var response = await PostAsync(operation, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{operation}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One sandbox per test class, on a free loopback port, with the clock fixed at 2026-11-01 12:00 UTC.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public SandboxServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await SandboxServer.StartAsync(new SandboxSettings { TimeProvider = Clock, RequestsPerSecond = 10_000, Burst = 10_000 }, CancellationToken.None);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
