using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// A sandbox account on loopback and the real client + harvester against it. The sandbox and the harvester
/// share one frozen test clock (job statuses only change when a test advances it); the client keeps real
/// time for its rate budget and backoff, which only decide when calls are sent, not what they return.
/// </summary>
internal sealed class SandboxHarness : IAsyncDisposable
{
    /// <summary>A smaller account than the default 60,000 jobs, so each harvest takes a second or two.</summary>
    public const long JobCount = 6_000;

    public static readonly AwsTarget Target = AwsOptions.DefaultSandboxTarget;

    private readonly HttpClient _http = new();

    private SandboxHarness(FakeTimeProvider clock, SandboxServer sandbox)
    {
        Clock = clock;
        Sandbox = sandbox;
    }

    public FakeTimeProvider Clock { get; }

    public SandboxServer Sandbox { get; }

    public static async Task<SandboxHarness> StartAsync(double throttleShare = 0)
    {
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var sandbox = await SandboxServer.StartAsync(
            new SandboxSettings
            {
                Port = 0,
                TargetJobCount = JobCount,
                TimeProvider = clock,
                ThrottleShare = throttleShare,

                // Only ThrottleShare throttles: the account's own bucket must not make tests depend on speed.
                RequestsPerSecond = 1_000_000,
                Burst = 1_000_000,
            },
            CancellationToken.None);
        return new SandboxHarness(clock, sandbox);
    }

    /// <summary>The app's client as the app builds it for the sandbox, with a fast backoff and a 1,000 calls/s budget.</summary>
    public BatchApiClient NewClient(AwsCallPolicy? policy = null) => new(
        _http,
        Target,
        Sandbox.BaseAddress,
        AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey),
        policy ?? TestClients.FastPolicy,
        new TokenBucket(1_000, 1_000, TimeProvider.System),
        TimeProvider.System);

    public BatchHarvester Harvester(HarvestDatabase database, IBatchApi api) =>
        new(database.Factory, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), Clock, NullLogger<BatchHarvester>.Instance);

    public Task<HarvestRunRow> HarvestAsync(HarvestDatabase database, IBatchApi api, CancellationToken cancellationToken = default) =>
        Harvester(database, api).HarvestAsync(Target, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        _http.Dispose();
    }
}
