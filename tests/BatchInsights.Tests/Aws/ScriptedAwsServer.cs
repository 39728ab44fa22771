using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Tests.Aws;

internal sealed record RecordedRequest(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers);

internal sealed record ScriptedResponse(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan? Delay = null)
{
    public static ScriptedResponse Ok(string body) => new(200, body, new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-ok" });

    public static ScriptedResponse Error(int status, string code, string message, string requestId = "req-err") =>
        new(status, $$"""{"__type":"{{code}}","message":"{{message}}"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId, ["x-amzn-ErrorType"] = code });
}

/// <summary>
/// A real HTTP server on a loopback port that answers with scripted responses and records what it got.
/// With nothing scripted it answers 400 "NoScriptedResponse" (not retried), so a test that forgot
/// to script a call fails loudly instead of hanging.
/// </summary>
internal sealed class ScriptedAwsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private Func<RecordedRequest, ScriptedResponse>? _handler;

    private ScriptedAwsServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public static async Task<ScriptedAwsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedAwsServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri(address);
        return server;
    }

    public ScriptedAwsServer Enqueue(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }

        return this;
    }

    /// <summary>Answers every request (after the queued ones) with <paramref name="handler"/>.</summary>
    public ScriptedAwsServer Always(Func<RecordedRequest, ScriptedResponse> handler)
    {
        _handler = handler;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", body, headers);
        _requests.Enqueue(request);

        var response = _script.TryDequeue(out var scripted) ? scripted
            : _handler?.Invoke(request)
            ?? ScriptedResponse.Error(400, "NoScriptedResponse", $"the test scripted no response for request #{_requests.Count} {request.Path}");
        if (response.Delay is { } delay)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(response.Body, context.RequestAborted);
    }
}
