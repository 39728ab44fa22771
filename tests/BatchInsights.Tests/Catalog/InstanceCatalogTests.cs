using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Tests.SpotPrices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Catalog;

public sealed class InstanceCatalogTests
{
    private static readonly AwsTarget Target = new("prod", "us-east-1");

    [Fact]
    public void NewCatalog_FromTheEmbeddedSnapshot_HasSpecsAndUsEast1Prices()
    {
        var catalog = NewCatalog();

        Assert.True(catalog.TryGet("m5.large", out var m5));
        Assert.Equal((2, 8192L, "m5", "large"), (m5.Vcpus, m5.MemoryMib, m5.Family, m5.Size));
        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.EmbeddedSnapshot, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
        Assert.Equal(1263, catalog.All.Count);
        Assert.True(catalog.TryGet("g4dn.xlarge", out var g4dn));
        Assert.Equal((1, "NVIDIA T4"), (g4dn.Gpus, g4dn.GpuModel));
        Assert.False(catalog.TryGet("x99.huge", out _));
        Assert.Null(catalog.OnDemandPrice("x99.huge", "us-east-1"));
    }

    [Fact]
    public void OnDemandPrice_RegionWithoutPrices_FallsBackToUsEast1AndSaysSo()
    {
        var catalog = NewCatalog();

        var price = catalog.OnDemandPrice("m5.large", "eu-west-1");

        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.EmbeddedSnapshot, "us-east-1"), price);
    }

    [Fact]
    public async Task RefreshAsync_ApiAnswers_ReplacesSpecsAndKeepsTypesTheRegionDoesNotOffer()
    {
        var catalog = NewCatalog();
        var api = new FakeEc2Api(Target) { InstanceTypes = [Spec("m5.large", memoryMib: 9000), Spec("z9.large")] };

        var result = await catalog.RefreshAsync(api, CancellationToken.None);

        Assert.Equal(new CatalogRefreshResult(true, 2, null), result);
        Assert.True(catalog.TryGet("m5.large", out var m5));
        Assert.Equal(9000, m5.MemoryMib);
        Assert.True(catalog.TryGet("z9.large", out _));
        Assert.True(catalog.TryGet("c5.large", out _));
        Assert.Equal(1264, catalog.All.Count);
        Assert.Contains("DescribeInstanceTypes", catalog.SpecsSource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshOfferingsAsync_UnknownUntilRead_ThenTheAzsOfEachTypeAndNoneForATypeNotListed()
    {
        var catalog = NewCatalog();
        Assert.Null(catalog.OfferedZones("m5.large", "us-east-1")); // not read yet: no AZ is ruled out
        var api = new FakeEc2Api(Target) { Offerings = [new("m5.large", "us-east-1a"), new("m5.large", "us-east-1e"), new("c6a.large", "us-east-1a")] };

        var result = await catalog.RefreshOfferingsAsync(api, CancellationToken.None);

        Assert.Equal(new CatalogRefreshResult(true, 3, null), result);
        Assert.Equal(["us-east-1a", "us-east-1e"], catalog.OfferedZones("m5.large", "us-east-1")!.Order());
        Assert.Equal(["us-east-1a"], catalog.OfferedZones("c6a.large", "us-east-1")!);
        Assert.Empty(catalog.OfferedZones("r5.large", "us-east-1")!); // the region was read and does not offer it
        Assert.Null(catalog.OfferedZones("m5.large", "eu-west-1"));
    }

    [Fact]
    public async Task RefreshOfferingsAsync_ApiFails_KeepsWhatItKnewAndSaysWhy()
    {
        var catalog = NewCatalog();
        await catalog.RefreshOfferingsAsync(new FakeEc2Api(Target) { Offerings = [new("m5.large", "us-east-1a")] }, CancellationToken.None);

        var failed = await catalog.RefreshOfferingsAsync(new FakeEc2Api(Target), CancellationToken.None); // no offerings scripted: the call throws
        var empty = await catalog.RefreshOfferingsAsync(new FakeEc2Api(Target) { Offerings = [] }, CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.Contains("DescribeInstanceTypeOfferings", failed.Error, StringComparison.Ordinal);
        Assert.False(empty.Succeeded);
        Assert.Equal(["us-east-1a"], catalog.OfferedZones("m5.large", "us-east-1")!);
    }

    [Fact]
    public async Task RefreshAsync_ApiFails_KeepsTheLastKnownGoodCatalogAndGivesTheReason()
    {
        var catalog = NewCatalog();
        await catalog.RefreshAsync(new FakeEc2Api(Target) { InstanceTypes = [Spec("m5.large", memoryMib: 9000)] }, CancellationToken.None);
        var before = catalog.All;
        var source = catalog.SpecsSource;
        var failing = new FakeEc2Api(Target); // no instance types scripted: the call throws

        var result = await catalog.RefreshAsync(failing, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("DescribeInstanceTypes", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, catalog.All);
        Assert.Equal(source, catalog.SpecsSource);
        Assert.True(catalog.TryGet("m5.large", out var m5));
        Assert.Equal(9000, m5.MemoryMib); // the refreshed specs, not the embedded seed
    }

    [Fact]
    public async Task RefreshAsync_EmptyAnswer_KeepsTheCatalog()
    {
        var catalog = NewCatalog();

        var result = await catalog.RefreshAsync(new FakeEc2Api(Target) { InstanceTypes = [] }, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(1263, catalog.All.Count);
    }

    [Fact]
    public async Task RefreshPricesAsync_SourceAnswersThenFails_ApiPricesStayAndUnpricedTypesKeepTheSnapshot()
    {
        var catalog = NewCatalog();
        var prices = new ScriptedPrices { ["m5.large"] = 0.1m };

        var ok = await catalog.RefreshPricesAsync(prices, "us-east-1", CancellationToken.None);
        prices.Fail = true;
        var failed = await catalog.RefreshPricesAsync(prices, "us-east-1", CancellationToken.None);

        Assert.True(ok.Succeeded);
        Assert.False(failed.Succeeded);
        Assert.Equal(new OnDemandPrice(0.1m, PriceSource.Api, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
        Assert.Equal(PriceSource.EmbeddedSnapshot, catalog.OnDemandPrice("c5.large", "us-east-1")?.Source);
    }

    private static InstanceCatalog NewCatalog() => new(NullLogger<InstanceCatalog>.Instance, new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero)));

    private static InstanceTypeSnapshot Spec(string name, long memoryMib = 4096)
    {
        var (family, size) = InstanceTypeSnapshot.SplitName(name);
        return new InstanceTypeSnapshot(name, family, size, true, 2, memoryMib, 0, null, 0, ["x86_64"], false, false, true, true);
    }

    private sealed class ScriptedPrices : Dictionary<string, decimal>, IOnDemandPriceSource
    {
        public bool Fail { get; set; }

        public Task<IReadOnlyDictionary<string, decimal>> GetLinuxOnDemandPricesAsync(string region, CancellationToken cancellationToken) =>
            Fail
                ? throw new AwsApiException("Pricing", "GetProducts", "ThrottlingException: Rate exceeded", 400, "ThrottlingException")
                : Task.FromResult<IReadOnlyDictionary<string, decimal>>(new Dictionary<string, decimal>(this));
    }
}
