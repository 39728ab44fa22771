using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Browse;

public sealed class SpotPriceQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    internal static SpotPriceChangeRow Price(string az, DateTimeOffset at, decimal usd, string type = "m5.large", string product = "Linux/UNIX") => new()
    {
        Account = Rows.Account,
        Region = Rows.Region,
        AvailabilityZone = az,
        InstanceType = type,
        ProductDescription = product,
        TimestampMs = Rows.Ms(at),
        PriceMicroUsd = (long)(usd * 1_000_000m),
    };

    internal static SpotPriceQueries Queries(TestDatabase db) =>
        new(db.Factory, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, TimeProvider.System), new FakeTimeProvider(Rows.Now));

    [Fact]
    public async Task GetHistoryAsync_ChangeBeforeWindow_IncludesOnlyThePriceInEffectAtTheStartPerPool()
    {
        _db.Add(
            Price("us-east-1a", Rows.Now.AddDays(-10), 0.030m),
            Price("us-east-1a", Rows.Now.AddDays(-9), 0.031m),
            Price("us-east-1a", Rows.Now.AddDays(-1), 0.035m),
            Price("us-east-1b", Rows.Now.AddDays(-8), 0.040m));

        var history = await Queries(_db).GetHistoryAsync(new SpotPriceFilter("m5.large"));

        Assert.Equal(
            [("us-east-1a", 0.031m), ("us-east-1b", 0.040m), ("us-east-1a", 0.035m)],
            history.Items.Select(i => (i.AvailabilityZone, i.PriceUsdPerHour)));
        Assert.False(history.Truncated);
        Assert.Equal(Rows.Ms(Rows.Now.AddDays(-7)), history.FromMs);
    }

    [Fact]
    public async Task GetHistoryAsync_AzFilterAndOtherTypesAndProducts_ReturnsOnlyThatPool()
    {
        _db.Add(
            Price("us-east-1a", Rows.Now.AddHours(-3), 0.035m),
            Price("us-east-1b", Rows.Now.AddHours(-3), 0.040m),
            Price("us-east-1b", Rows.Now.AddHours(-2), 0.050m, type: "c5.large"),
            Price("us-east-1b", Rows.Now.AddHours(-2), 0.060m, product: "Linux/UNIX (Amazon VPC)"));

        var history = await Queries(_db).GetHistoryAsync(new SpotPriceFilter("m5.large", AvailabilityZone: "us-east-1b"));

        var item = Assert.Single(history.Items);
        Assert.Equal(("us-east-1b", "m5.large", 0.040m), (item.AvailabilityZone, item.InstanceType, item.PriceUsdPerHour));
    }

    [Fact]
    public async Task GetHistoryAsync_MoreChangesThanLimit_KeepsOldestAndSaysTruncated()
    {
        _db.Add(
            Price("us-east-1a", Rows.Now.AddHours(-3), 0.031m),
            Price("us-east-1a", Rows.Now.AddHours(-2), 0.032m),
            Price("us-east-1a", Rows.Now.AddHours(-1), 0.033m));

        var history = await Queries(_db).GetHistoryAsync(new SpotPriceFilter("m5.large"), limit: 2);

        Assert.True(history.Truncated);
        Assert.Equal([0.031m, 0.032m], history.Items.Select(i => i.PriceUsdPerHour));
    }

    [Fact]
    public async Task GetHistoryAsync_Pools_CurrentMinMaxAndRatioToOnDemand()
    {
        // m5.large is $0.096/h On-Demand in us-east-1 in the embedded catalog.
        _db.Add(
            Price("us-east-1a", Rows.Now.AddDays(-8), 0.040m),
            Price("us-east-1a", Rows.Now.AddDays(-2), 0.030m),
            Price("us-east-1a", Rows.Now.AddDays(-1), 0.048m));

        var history = await Queries(_db).GetHistoryAsync(new SpotPriceFilter("m5.large"));

        var pool = Assert.Single(history.Pools);
        Assert.Equal((0.048m, 0.030m, 0.048m), (pool.CurrentUsdPerHour, pool.MinUsdPerHour, pool.MaxUsdPerHour));
        Assert.Equal(0.5m, pool.SpotToOnDemandRatio);
        var od = Assert.Single(history.OnDemand);
        Assert.Equal((0.096m, nameof(PriceSource.EmbeddedSnapshot)), (od.UsdPerHour, od.Source));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("m5 large; drop table")]
    [InlineData("m5")]
    public async Task GetHistoryAsync_BadInstanceType_ThrowsNamingInstanceType(string? type)
    {
        var ex = await Assert.ThrowsAsync<InvalidQueryParameterException>(() => Queries(_db).GetHistoryAsync(new SpotPriceFilter(type)));

        Assert.Equal("instanceType", ex.Parameter);
    }

    [Fact]
    public async Task GetHistoryAsync_FromAfterTo_ThrowsNamingFrom()
    {
        var ex = await Assert.ThrowsAsync<InvalidQueryParameterException>(() => Queries(_db).GetHistoryAsync(
            new SpotPriceFilter("m5.large", FromMs: Rows.Ms(Rows.Now), ToMs: Rows.Ms(Rows.Now.AddDays(-1)))));

        Assert.Equal("from", ex.Parameter);
    }

    [Fact]
    public async Task ListInstanceTypesAsync_HarvestedTypes_DistinctByName()
    {
        _db.Add(
            Price("us-east-1a", Rows.Now.AddHours(-3), 0.035m, type: "m5.large"),
            Price("us-east-1b", Rows.Now.AddHours(-3), 0.035m, type: "m5.large"),
            Price("us-east-1b", Rows.Now.AddHours(-2), 0.050m, type: "c5.large"));

        Assert.Equal(["c5.large", "m5.large"], await Queries(_db).ListInstanceTypesAsync());
    }

    [Fact]
    public void CatalogQueries_List_IncludesEmbeddedPriceAndSource()
    {
        var queries = new CatalogQueries(new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, TimeProvider.System));

        var m5 = Assert.Single(queries.List(), t => t.Name == "m5.large");

        Assert.Equal((2, 8192L, 0.096m, "EmbeddedSnapshot", "us-east-1"), (m5.Vcpus, m5.MemoryMib, m5.OnDemandUsdPerHour, m5.PriceSource, m5.PricedRegion));
        Assert.Contains("x86_64", m5.Architectures);
    }
}
