using BatchInsights.Core.Data;
using BatchInsights.Core.Networking;
using BatchInsights.Tests.Browse;
using BatchInsights.Web.Endpoints;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Web;

public sealed class NetworkEndpointsTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task GetNetworkAsync_TwoCes_NoPathCeListedFirstAndFlagged()
    {
        _db.Add(
            new ComputeEnvironmentNetworkRow { Account = Rows.Account, Region = Rows.Region, ComputeEnvironmentArn = Rows.CeArn("a-fine"), ComputeEnvironmentName = "a-fine", VpcId = "vpc-1", Path = NetworkPathKind.Endpoints },
            new ComputeEnvironmentNetworkRow { Account = Rows.Account, Region = Rows.Region, ComputeEnvironmentArn = Rows.CeArn("z-stuck"), ComputeEnvironmentName = "z-stuck", VpcId = "vpc-2", Path = NetworkPathKind.NoPath, MissingEndpoints = "ecs,ecs-agent" });

        var result = await NetworkEndpoints.GetNetworkAsync(new NetworkQueries(_db.Factory, new FakeTimeProvider(Rows.Now)), CancellationToken.None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal([("z-stuck", true), ("a-fine", false)], result.Value!.ComputeEnvironments.Select(c => (c.Name, c.NoPath)));
        Assert.Equal(["ecs", "ecs-agent"], result.Value.ComputeEnvironments[0].MissingEndpoints);
        Assert.Equal(2, result.Value.Vpcs.Count);
    }
}
