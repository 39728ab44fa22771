using System.Diagnostics;
using BatchInsights.Sandbox.Protocols;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Sandbox;

/// <summary>Settings of one sandbox account.</summary>
public sealed record SandboxSettings
{
    /// <summary>Loopback port; 0 picks a free one (BaseAddress then carries the real port).</summary>
    public int Port { get; init; }

    /// <summary>Scenario file; null uses the embedded Scenarios/default.json.</summary>
    public string? ScenarioPath { get; init; }

    /// <summary>Overrides the scenario's seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Overrides the scenario's targetJobCount (jobs over the history window, counting array children).</summary>
    public long? TargetJobCount { get; init; }

    /// <summary>The simulation clock: job statuses are a function of its "now". Tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Account-wide token bucket refill (requests per second, real time).</summary>
    public double RequestsPerSecond { get; init; } = 50;

    /// <summary>Token bucket size.</summary>
    public int Burst { get; init; } = 100;

    /// <summary>Share of calls (0..1) answered 429 regardless of the bucket, deterministically spread.</summary>
    public double ThrottleShare { get; init; }
}

/// <summary>A running sandbox AWS account on loopback, speaking AWS Batch's REST-JSON and EC2's Query protocols.</summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BatchAccount _account;

    private SandboxServer(WebApplication app, BatchAccount account, Uri baseAddress, TimeSpan startup)
    {
        _app = app;
        _account = account;
        BaseAddress = baseAddress;
        StartupTime = startup;
    }

    public Uri BaseAddress { get; }

    public string AccountId => _account.AccountId;

    public string Region => _account.Region;

    /// <summary>How long generating the history and starting Kestrel took.</summary>
    public TimeSpan StartupTime { get; }

    internal BatchAccount Account => _account;

    internal StsSessions Sts { get; private init; } = null!;

    /// <summary>Calls received per signing access key id (tests check that a role's temporary keys were used).</summary>
    public IReadOnlyDictionary<string, long> CallsByAccessKeyId => Sts.CallsByAccessKeyId;

    /// <summary>Jobs (counting array children and MNP nodes) created up to the simulation clock's now.</summary>
    public long JobCountNow => _account.CountJobsCreatedBy(_account.NowMs);

    public static async Task<SandboxServer> StartAsync(SandboxSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ThrottleShare is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(settings), "ThrottleShare must be between 0 and 1.");
        if (settings.RequestsPerSecond <= 0 || settings.Burst < 1) throw new ArgumentOutOfRangeException(nameof(settings), "RequestsPerSecond and Burst must be positive.");

        var watch = Stopwatch.StartNew();
        var scenario = ScenarioLoader.Load(settings.ScenarioPath);
        if (settings.TargetJobCount is { } target) scenario = scenario with { TargetJobCount = target };
        var account = new BatchAccount(scenario, settings.TimeProvider, settings.Seed);

        // The sandbox must not pick up the hosting app's appsettings.json, URLs or logging levels.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
        });
        ((IConfigurationBuilder)builder.Configuration).Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Warning);
        // The host (web app or Program.cs) owns Ctrl+C/SIGTERM; the sandbox stops when disposed.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        // Explicit URL rather than Listen(): it replaces the host's own Urls (environment, command line) instead of
        // competing with them, so Kestrel has no addresses to warn about overriding.
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var app = builder.Build();
        var throttle = new RequestThrottle(settings.RequestsPerSecond, settings.Burst, settings.ThrottleShare);
        var sts = new StsSessions(TimeProvider.System);
        app.UseAwsGuards(throttle, new FaultInjector(scenario.Faults), scenario.AccountId, sts);
        app.MapBatch(account);
        var ec2 = new Ec2Account(scenario, account.SpotMarket, settings.TimeProvider)
        {
            Batch = account,
            TerminatedInstanceVisibleMinutes = scenario.TerminatedInstanceVisibleMinutes,
            Network = account.Network,
        };
        var pricing = new PricingCatalog(Simulation.InstanceCatalog.Default);
        // POST / carries the query protocols (EC2: form with Action) and JSON 1.1 services (X-Amz-Target).
        app.MapPost("/", ctx => StsQuery.IsStsRequest(ctx.Request) ? StsQuery.HandleAsync(ctx, sts, scenario.AccountId)
            : Ec2Query.IsEc2Request(ctx.Request) ? Ec2Query.HandleAsync(ctx, ec2)
            : CloudWatchProtocol.IsCloudWatchRequest(ctx.Request) ? CloudWatchProtocol.HandleAsync(ctx, account)
            : PricingJson.IsPricingRequest(ctx.Request) ? PricingJson.HandleAsync(ctx, pricing)
            : EcsJson.IsEcsRequest(ctx.Request) ? EcsJson.HandleAsync(ctx, account)
            : AwsJson.WriteErrorAsync(ctx, 400, "UnknownOperationException", $"The sandbox does not serve {ctx.Request.Headers["X-Amz-Target"]}."));
        app.MapFallback(ctx => AwsJson.WriteErrorAsync(ctx, 404, "UnknownOperationException",
            $"No operation matches {ctx.Request.Method} {ctx.Request.Path}."));
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new SandboxServer(app, account, new Uri($"http://127.0.0.1:{port}"), watch.Elapsed) { Sts = sts };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _account.Dispose();
    }
}

/// <summary>A host lifetime that does not hook console signals.</summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
