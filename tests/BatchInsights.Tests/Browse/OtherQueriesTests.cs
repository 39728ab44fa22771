using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Browse;

public sealed class ComputeEnvironmentQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task ListAsync_SpotAndFargate_ClassifiesCapacityAndSplitsLists()
    {
        _db.Add(Rows.Ce("b-spot", "SPOT"), Rows.Ce("a-fargate", "FARGATE"), Rows.Queue("q", "b-spot"));

        var list = await new ComputeEnvironmentQueries(_db.Factory).ListAsync();

        Assert.Equal(["a-fargate", "b-spot"], list.Select(c => c.Name));
        Assert.Equal(CapacityKind.Fargate, list[0].Capacity);
        Assert.Equal(CapacityKind.Spot, list[1].Capacity);
        Assert.Equal(["m5.large", "c5.xlarge"], list[1].InstanceTypes);
        Assert.Equal(["subnet-a", "subnet-b"], list[1].Subnets);
        Assert.Equal(["q"], list[1].UsedByQueues);
        Assert.Empty(list[0].UsedByQueues);
    }

    [Fact]
    public async Task GetByNameAsync_UnknownName_ReturnsNull()
    {
        _db.Add(Rows.Ce("x"));

        var queries = new ComputeEnvironmentQueries(_db.Factory);

        Assert.NotNull(await queries.GetByNameAsync("x"));
        Assert.Null(await queries.GetByNameAsync("y"));
    }
}

public sealed class HarvestRunQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task ListLatestAsync_SeveralRuns_NewestFirstUpToLimit()
    {
        for (var i = 0; i < 5; i++)
        {
            _db.Add(new HarvestRunRow
            {
                Account = Rows.Account,
                Region = Rows.Region,
                Kind = "batch",
                Outcome = HarvestOutcome.Succeeded,
                StartedAt = Rows.Now.UtcDateTime.AddMinutes(i),
                Calls = i,
            });
        }

        var runs = await new HarvestRunQueries(_db.Factory).ListLatestAsync(3);

        Assert.Equal([4L, 3L, 2L], runs.Select(r => r.Calls));
    }
}
