using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Endpoints;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Web;

public sealed class HarvestStatusEndpointsTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task GetHarvestStatusAsync_TwoSources_OneStatusEach()
    {
        _db.Add(
            HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(2)),
            HarvestStatusQueriesTests.Run("batch", HarvestOutcome.Succeeded, TimeSpan.FromMinutes(3)),
            HarvestStatusQueriesTests.Run("spot-prices", HarvestOutcome.Failed, TimeSpan.FromMinutes(3), error: "AccessDenied"));

        var result = await HarvestStatusEndpoints.GetHarvestStatusAsync(
            new HarvestStatusQueries(_db.Factory, new FakeTimeProvider(Rows.Now)), CancellationToken.None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(
            [("batch", HarvestHealth.Ok), ("spot-prices", HarvestHealth.Failing)],
            result.Value!.Select(s => (s.Kind, s.Health)));
    }
}
