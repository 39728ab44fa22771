using BatchInsights.Core.Browse;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Tests.Web;

/// <summary>The Spot price handler called directly with the real query over SQLite.</summary>
public sealed class SpotPricesApiTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private Task<Results<Ok<SpotPriceHistory>, ValidationProblem>> Get(
        string? instanceType = "m5.large", string? from = null, string? to = null, string? limit = null) =>
        SpotPriceEndpoints.GetSpotPricesAsync(SpotPriceQueriesTests.Queries(_db), instanceType, null, from, to, null, limit, null, null, CancellationToken.None);

    [Theory]
    [InlineData("instanceType", null, null, null, null)]
    [InlineData("instanceType", "not a type", null, null, null)]
    [InlineData("from", "m5.large", "last tuesday", null, null)]
    [InlineData("to", "m5.large", null, "soon", null)]
    [InlineData("limit", "m5.large", null, null, "many")]
    [InlineData("limit", "m5.large", null, null, "0")]
    [InlineData("from", "m5.large", "2026-11-25T00:00Z", "2026-11-24T00:00Z", null)]
    public async Task GetSpotPricesAsync_BadParameter_ValidationProblemNamingIt(
        string parameter, string? instanceType, string? from, string? to, string? limit)
    {
        var result = await Get(instanceType, from, to, limit);

        var problem = Assert.IsType<ValidationProblem>(result.Result);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal([parameter], problem.ProblemDetails.Errors.Keys);
    }

    [Fact]
    public async Task GetSpotPricesAsync_IsoWindow_ReturnsChangesInItWithStartingPrice()
    {
        _db.Add(
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddDays(-3), 0.030m),
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddHours(-36), 0.032m),
            SpotPriceQueriesTests.Price("us-east-1a", Rows.Now.AddHours(-1), 0.034m));

        var result = await Get(from: "2026-11-24T00:00:00Z", to: "2026-11-25T00:00:00Z");

        var history = Assert.IsType<Ok<SpotPriceHistory>>(result.Result).Value!;
        Assert.Equal([0.030m, 0.032m], history.Items.Select(i => i.PriceUsdPerHour));
    }
}
