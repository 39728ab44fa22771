using System.Net;
using System.Text;
using System.Text.Json;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using ScenarioLoader = BatchInsights.Sandbox.Simulation.ScenarioLoader;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Pricing;

/// <summary>The scenario's "faults" on GetProducts reach our Price List client as the JSON 1.1 errors AWS sends, and it copes.</summary>
public sealed class PricingFaultTests
{
    [Fact]
    public async Task GetProducts_ThrottleShareOne_Answers400ThrottlingExceptionInTheJson11Shape()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "throttleShare": 1 } }""");
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("""{"ServiceCode":"AmazonEC2"}""", Encoding.UTF8, "application/x-amz-json-1.1") };
        request.Headers.TryAddWithoutValidation("Authorization", SandboxClient.DummyAuthorization);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSPriceListService.GetProducts");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ThrottlingException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ThrottlingException", error.RootElement.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_HalfOfCallsThrottled_RetriesWithBackoffAndGetsEveryPrice()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "throttleShare": 0.5 } }""");
        var client = PricingClients.Create(sandbox.Server.BaseAddress);

        var prices = await client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None);

        Assert.Equal(0.096m, prices["m5.large"]);
        Assert.True(prices.Count > PricingApiClient.PageSize, $"only {prices.Count} prices: not every page arrived");
        // Every other call refused: each page took one retry.
        Assert.Equal(client.Stats.Calls / 2, client.Stats.Throttled);
        Assert.Equal(client.Stats.Throttled, client.Stats.Retries);
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_EveryCall5xx_GivesUpAfterTheRetriesNamingGetProducts()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "errorShare": 1 } }""");
        var client = PricingClients.Create(sandbox.Server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal(("GetProducts", "InternalErrorException", 500), (ex.Operation, ex.ErrorCode, ex.HttpStatus));
        Assert.Contains($"gave up after {TestClients.FastPolicy.MaxRetries + 1} attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_AccessDenied_NamesPricingGetProductsAndDoesNotRetry()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "accessDenied": true } }""");
        var client = PricingClients.Create(sandbox.Server.BaseAddress);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal("AccessDeniedException", ex.ErrorCode);
        Assert.Contains("pricing:GetProducts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, client.Stats.Calls);
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_LatencyBeyondTheCallTimeout_FailsAsATimeoutNamingGetProducts()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "latencyMs": 5000 } }""");
        var policy = TestClients.FastPolicy with { CallTimeout = TimeSpan.FromMilliseconds(200), MaxRetries = 1 };
        var client = new PricingApiClient(new HttpClient(), sandbox.Server.BaseAddress, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"),
            policy, new TokenBucket(100, 100, TimeProvider.System));

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal(("GetProducts", "Timeout"), (ex.Operation, ex.ErrorCode));
        Assert.Equal(2, client.Stats.Calls);
    }

    [Fact]
    public async Task CatalogRefresh_PricingDeniedBySandbox_KeepsTheLastKnownGoodPricesAndFailsNamingThePermission()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "accessDenied": true } }""");
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, new FakeTimeProvider(SandboxFixture.Start));
        var target = new AwsTarget("prod", "us-east-1");
        var job = new InstanceCatalogRefreshJob(
            catalog,
            t => new Ec2Api(t, sandbox.Server.BaseAddress, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System)),
            [target],
            () => PricingClients.Create(sandbox.Server.BaseAddress));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(CancellationToken.None));

        Assert.Contains("pricing:GetProducts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("last known good", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.EmbeddedSnapshot, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
    }
}

/// <summary>The catalog refresh job records its runs (kind "catalog") for the Harvest status page.</summary>
public sealed class CatalogRunRecordingTests
{
    [Fact]
    public async Task RunAsync_PricingDenied_RecordsAFailedCatalogRunNamingPricingGetProductsForTheStatusPage()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "accessDenied": true } }""");
        await using var database = await Integration.HarvestDatabase.CreateAsync();
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var job = NewJob(sandbox, database, clock);

        await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(CancellationToken.None));

        var run = Assert.Single(await database.RunsAsync());
        Assert.Equal(("catalog", HarvestOutcome.Failed), (run.Kind, run.Outcome));
        Assert.Contains("last known good", run.Error, StringComparison.Ordinal);
        Assert.True(run.Calls >= 2, $"{run.Calls} calls: DescribeInstanceTypes and GetProducts should both count");
        var status = Assert.Single(await new HarvestStatusQueries(database.Factory, clock).ListAsync());
        Assert.Equal((HarvestHealth.Failing, "pricing:GetProducts"), (status.Health, status.MissingPermission));
    }

    [Fact]
    public async Task RunAsync_OfferingsDenied_RecordsAPartialRunNamingThePermission_SpecsAndPricesStillRefresh()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "DescribeInstanceTypeOfferings": { "accessDenied": true } }""");
        await using var database = await Integration.HarvestDatabase.CreateAsync();
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock);
        var job = new InstanceCatalogRefreshJob(catalog,
            t => new Ec2Api(t, sandbox.Server.BaseAddress, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System)),
            [new AwsTarget("prod", "us-east-1")], () => PricingClients.Create(sandbox.Server.BaseAddress), database.Factory,
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), clock);

        await job.RunAsync(CancellationToken.None); // does not fail: specs and prices came

        var run = Assert.Single(await database.RunsAsync());
        Assert.Equal(("catalog", HarvestOutcome.Partial), (run.Kind, run.Outcome));
        Assert.Contains("ec2:DescribeInstanceTypeOfferings", run.Error, StringComparison.Ordinal);
        Assert.Contains("rules out no type by AZ", run.Error, StringComparison.Ordinal);
        Assert.Equal(PriceSource.Api, catalog.OnDemandPrice("m5.large", "us-east-1")!.Source);
        Assert.Null(catalog.OfferedZones("m5.large", "us-east-1"));
        var status = Assert.Single(await new HarvestStatusQueries(database.Factory, clock).ListAsync());
        Assert.Equal("ec2:DescribeInstanceTypeOfferings", status.MissingPermission);
    }

    [Fact]
    public async Task RunAsync_AllWell_RecordsASucceededCatalogRunWithItsCalls()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{}""");
        await using var database = await Integration.HarvestDatabase.CreateAsync();
        var job = NewJob(sandbox, database, new FakeTimeProvider(SandboxFixture.Start));

        await job.RunAsync(CancellationToken.None);

        var run = Assert.Single(await database.RunsAsync());
        Assert.Equal(("catalog", HarvestOutcome.Succeeded, null), (run.Kind, run.Outcome, run.Error));
        Assert.True(run.Calls > 2, $"only {run.Calls} calls");
    }

    [Fact]
    public async Task GetLinuxOnDemandPricesAsync_AccessDeniedWithoutTheAction_AddsPricingGetProductsToTheError()
    {
        await using var server = await ScriptedAwsServer.StartAsync();
        server.Always(_ => ScriptedResponse.Error(400, "AccessDeniedException", "User is not authorized"));
        var client = PricingClients.Create(server.Endpoint);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => client.GetLinuxOnDemandPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal("AccessDeniedException", ex.ErrorCode);
        Assert.StartsWith("Pricing GetProducts failed: HTTP 400 AccessDeniedException", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("(the credentials need pricing:GetProducts)", ex.Message, StringComparison.Ordinal);
    }

    private static InstanceCatalogRefreshJob NewJob(FaultySandbox sandbox, Integration.HarvestDatabase database, TimeProvider clock) =>
        new(
            new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock),
            t => new Ec2Api(t, sandbox.Server.BaseAddress, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System)),
            [new AwsTarget("prod", "us-east-1")],
            () => PricingClients.Create(sandbox.Server.BaseAddress),
            database.Factory,
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            clock);
}

/// <summary>A sandbox started from the default scenario with its "faults" section replaced.</summary>
internal sealed class FaultySandbox : IAsyncDisposable
{
    private readonly string _dir;

    private FaultySandbox(string dir, SandboxServer server)
    {
        _dir = dir;
        Server = server;
    }

    public SandboxServer Server { get; }

    public static async Task<FaultySandbox> StartAsync(string faultsJson, long jobs = 1000)
    {
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResourceName)!;
        var text = await new StreamReader(stream).ReadToEndAsync();
        Assert.Contains("\"faults\": {}", text, StringComparison.Ordinal);
        var dir = Directory.CreateTempSubdirectory("sandbox-faults-").FullName;
        var path = Path.Combine(dir, "faults.json");
        await File.WriteAllTextAsync(path, text.Replace("\"faults\": {}", "\"faults\": " + faultsJson, StringComparison.Ordinal));
        var server = await SandboxServer.StartAsync(
            new SandboxSettings { ScenarioPath = path, TargetJobCount = jobs, TimeProvider = new FakeTimeProvider(SandboxFixture.Start), RequestsPerSecond = 1_000_000, Burst = 1_000_000 },
            CancellationToken.None);
        return new FaultySandbox(dir, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
