using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Targets;

/// <summary>The account/region filters of the browse queries, on a real SQLite file holding two accounts and two regions.</summary>
public sealed class TargetFilterQueriesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public TargetFilterQueriesTests()
    {
        // prod in us-east-1 (Rows' defaults) and eu-west-1; dev in us-east-1. Same queue/CE names everywhere, as
        // several accounts built from one template would have.
        foreach (var (account, region) in new[] { (Rows.Account, Rows.Region), (Rows.Account, "eu-west-1"), ("dev", Rows.Region) })
        {
            var ce = Rows.Ce("ce");
            ce.Account = account;
            ce.Region = region;
            ce.Arn = $"arn:aws:batch:{region}:{account}:compute-environment/ce";
            var queue = Rows.Queue("main");
            queue.Account = account;
            queue.Region = region;
            queue.Arn = $"arn:aws:batch:{region}:{account}:job-queue/main";
            var job = Rows.Job($"{account}-{region}", "main", BatchJobStatus.Running, Rows.Now.AddMinutes(-5));
            job.Account = account;
            job.Region = region;
            var price = SpotPriceQueriesTests.Price(region + "a", Rows.Now.AddDays(-1), account == "dev" ? 0.05m : 0.03m);
            price.Account = account;
            price.Region = region;
            _db.Add(ce, queue, job, price);
        }

        _db.Add(
            new HarvestRunRow { Account = "dev", Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.UtcDateTime, Outcome = HarvestOutcome.Failed },
            new HarvestRunRow { Account = Rows.Account, Region = "eu-west-1", Kind = "batch", StartedAt = Rows.Now.UtcDateTime, Outcome = HarvestOutcome.Succeeded });
    }

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(null, null, 3)]
    [InlineData(Rows.Account, null, 2)]
    [InlineData(null, "us-east-1", 2)]
    [InlineData("dev", "us-east-1", 1)]
    [InlineData("dev", "eu-west-1", 0)]
    public async Task QueueAndCeLists_AccountRegionFilter_OnlyThatTargetsRows(string? account, string? region, int expected)
    {
        var filter = TargetFilter.From(account, region);
        var queues = await new QueueQueries(_db.Factory, new FakeTimeProvider(Rows.Now), Options.Create(new BrowseOptions())).ListAsync(filter);
        var ces = await new ComputeEnvironmentQueries(_db.Factory).ListAsync(filter);

        Assert.Equal(expected, queues.Count);
        Assert.Equal(expected, ces.Count);
        Assert.All(queues, q => Assert.True((account is null || q.Account == account) && (region is null || q.Region == region)));
        Assert.All(ces, c => Assert.True((account is null || c.Account == account) && (region is null || c.Region == region)));
    }

    [Fact]
    public async Task QueueList_FilteredByAccount_CountsOnlyThatAccountsJobs()
    {
        var queue = Assert.Single(await new QueueQueries(_db.Factory, new FakeTimeProvider(Rows.Now), Options.Create(new BrowseOptions()))
            .ListAsync(TargetFilter.From("dev", null)));

        Assert.Equal(1, queue.Count(BatchJobStatus.Running));
    }

    [Fact]
    public async Task JobList_AccountAndRegion_OnlyThatTargetsJobs()
    {
        var page = await new JobQueries(_db.Factory).ListAsync(new JobFilter(Account: Rows.Account, Region: "eu-west-1"));

        var job = Assert.Single(page.Items);
        Assert.Equal($"{Rows.Account}-eu-west-1", job.JobId);
    }

    [Fact]
    public async Task SpotHistory_AccountFilter_OnlyThatAccountsPrices()
    {
        var queries = SpotPriceQueriesTests.Queries(_db);

        var all = await queries.GetHistoryAsync(new SpotPriceFilter("m5.large"));
        var dev = await queries.GetHistoryAsync(new SpotPriceFilter("m5.large", Account: "dev"));

        Assert.Equal(3, all.Items.Count);
        var point = Assert.Single(dev.Items);
        Assert.Equal(("dev", 0.05m), (point.Account, point.PriceUsdPerHour));
    }

    [Fact]
    public async Task TargetQueries_ListsEveryTargetWithRuns_EvenOneThatNeverSucceeded()
    {
        var targets = await new TargetQueries(_db.Factory).ListAsync();

        Assert.Equal([new TargetChoice(Rows.Account, "eu-west-1"), new TargetChoice("dev", "us-east-1")], targets);
    }
}
