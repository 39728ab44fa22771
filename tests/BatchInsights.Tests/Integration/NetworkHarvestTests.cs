using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Networking;
using BatchInsights.Sandbox;
using BatchInsights.Sandbox.Simulation;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Integration;

/// <summary>Batch harvest, then the network harvest, against the sandbox over HTTP with the app's real clients.</summary>
public sealed class NetworkHarvestTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bi-network-").FullName;
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    public void Dispose() => _http.Dispose();

    private async Task<(SandboxServer Sandbox, FakeTimeProvider Clock)> StartSandboxAsync(string faults = "{}")
    {
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResourceName)!;
        var text = await new StreamReader(stream).ReadToEndAsync();
        var path = Path.Combine(_dir, $"scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, text.Replace("\"faults\": {}", $"\"faults\": {faults}", StringComparison.Ordinal));
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var sandbox = await SandboxServer.StartAsync(
            new SandboxSettings { Port = 0, ScenarioPath = path, TargetJobCount = SandboxHarness.JobCount, TimeProvider = clock, RequestsPerSecond = 1_000_000, Burst = 1_000_000 },
            CancellationToken.None);
        return (sandbox, clock);
    }

    private NetworkHarvester Harvester(HarvestDatabase database, SandboxServer sandbox, FakeTimeProvider clock)
    {
        var credentials = AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);
        return new NetworkHarvester(
            database.Factory,
            target => new Ec2Api(target, sandbox.BaseAddress, credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System)),
            target => new CloudWatchApiClient(_http, target, sandbox.BaseAddress, credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System)),
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            clock,
            NullLogger<NetworkHarvester>.Instance);
    }

    private async Task HarvestBatchAsync(HarvestDatabase database, SandboxServer sandbox, FakeTimeProvider clock)
    {
        var client = new BatchApiClient(_http, SandboxHarness.Target, sandbox.BaseAddress,
            AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey), TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System), TimeProvider.System);
        var harvester = new BatchHarvester(database.Factory, _ => client, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), clock, NullLogger<BatchHarvester>.Instance);
        await harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None);
    }

    [Fact]
    public async Task HarvestAsync_DefaultScenario_FlagsTheIsolatedCeAndMeasuresNatBytes()
    {
        var (sandbox, clock) = await StartSandboxAsync();
        await using var _ = sandbox;
        await using var database = await HarvestDatabase.CreateAsync();
        await HarvestBatchAsync(database, sandbox, clock);

        var run = await Harvester(database, sandbox, clock).HarvestAsync(SandboxHarness.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Succeeded, run.Outcome);
        var overview = await new NetworkQueries(database.Factory, clock).GetAsync(CancellationToken.None);
        var paths = overview.ComputeEnvironments.ToDictionary(c => c.Name, c => c.Path);
        Assert.Equal(NetworkPathKind.NoPath, paths["lab-isolated"]);
        Assert.True(overview.ComputeEnvironments.Single(c => c.Name == "lab-isolated").NoPath);
        Assert.Equal(NetworkPathKind.NatSameAz, paths["od-general"]);
        Assert.Equal(NetworkPathKind.NatCrossAz, paths["spot-bid60"]);
        Assert.Equal(NetworkPathKind.Endpoints, paths["gpu-od"]);
        Assert.DoesNotContain("fargate", paths.Keys);
        Assert.Contains(overview.ComputeEnvironments.Single(c => c.Name == "lab-isolated").Evidence, e => e.Contains("ecs-agent", StringComparison.Ordinal));

        // Four NAT gateways (three in prod, one in data); the single data NAT carries the Spot CEs' traffic.
        Assert.Equal(4, overview.NatGateways.Count);
        Assert.All(overview.NatGateways, n => Assert.True(n.ProcessedGb30Days > 0, $"{n.NatGatewayId} shows no bytes"));
        var dataNat = overview.NatGateways.Single(n => n.UsedBy.Contains("spot-bid60"));
        Assert.True(dataNat.MonthlyUsd > NetworkPrices.HoursPerMonth * NetworkPrices.NatGatewayHourlyUsd);
        Assert.Contains("s3", overview.Vpcs.Single(v => v.VpcId == overview.ComputeEnvironments.Single(c => c.Name == "od-general").VpcId).Present);
    }

    [Fact]
    public async Task HarvestAsync_RunTwice_ReplacesTheSnapshotAndKeepsOneRowPerNatAndDay()
    {
        var (sandbox, clock) = await StartSandboxAsync();
        await using var _ = sandbox;
        await using var database = await HarvestDatabase.CreateAsync();
        await HarvestBatchAsync(database, sandbox, clock);
        var harvester = Harvester(database, sandbox, clock);
        await harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None);
        var first = await CountsAsync(database);

        clock.Advance(TimeSpan.FromDays(1));
        await harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None);
        var second = await CountsAsync(database);

        Assert.Equal(first.Subnets, second.Subnets);
        Assert.Equal(first.Verdicts, second.Verdicts);
        // The window moved by a day: history keeps the older day, the new day is added once per NAT.
        Assert.Equal(first.Days + 4, second.Days);
    }

    [Fact]
    public async Task HarvestAsync_GetMetricDataDenied_PartialNamingThePermissionAndPathsStillStored()
    {
        var (sandbox, clock) = await StartSandboxAsync("""{ "GetMetricData": { "accessDenied": true } }""");
        await using var _ = sandbox;
        await using var database = await HarvestDatabase.CreateAsync();
        await HarvestBatchAsync(database, sandbox, clock);

        var run = await Harvester(database, sandbox, clock).HarvestAsync(SandboxHarness.Target, CancellationToken.None);

        Assert.Equal(HarvestOutcome.Partial, run.Outcome);
        Assert.Contains("cloudwatch:GetMetricData", run.Error, StringComparison.Ordinal);
        var overview = await new NetworkQueries(database.Factory, clock).GetAsync(CancellationToken.None);
        Assert.Equal(NetworkPathKind.NoPath, overview.ComputeEnvironments.Single(c => c.Name == "lab-isolated").Path);
        Assert.Equal(4, overview.NatGateways.Count);
        Assert.All(overview.NatGateways, n => Assert.Equal(0, n.DaysWithData));
        var status = (await new BatchInsights.Core.Browse.HarvestStatusQueries(database.Factory, clock).ListAsync()).Single(s => s.Kind == NetworkHarvester.Kind);
        Assert.True(status.AccessDenied);
        Assert.Equal("cloudwatch:GetMetricData", status.MissingPermission);
    }

    private static async Task<(int Subnets, int Verdicts, int Days)> CountsAsync(HarvestDatabase database)
    {
        await using var db = await database.Factory.CreateDbContextAsync();
        return (await db.NetworkSubnets.CountAsync(), await db.ComputeEnvironmentNetworks.CountAsync(), await db.NatGatewayDailyBytes.CountAsync());
    }
}
