using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Pricing;
using BatchInsights.Tests.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// The sandbox cuts an operation's answers off half-way (scenario faults "malformedShare"): each client reports an
/// error naming the operation, the run is marked Failed with it, and nothing of the broken answer is stored.
/// </summary>
public sealed class MalformedResponseTests
{
    private static readonly AwsCredentialSource Credentials = AwsCredentialSource.Fixed("AKIDTEST", "test-secret");

    [Fact]
    public async Task BatchHarvest_DescribeJobsTruncated_FailsNamingDescribeJobsAndStoresNoJobOfTheBrokenPage()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "DescribeJobs": { "malformedShare": 1 } }""");
        await using var database = await HarvestDatabase.CreateAsync();
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var api = new BatchApiClient(new HttpClient(), SandboxHarness.Target, sandbox.Server.BaseAddress, Credentials, TestClients.FastPolicy,
            new TokenBucket(10_000, 10_000, TimeProvider.System), TimeProvider.System);
        var harvester = new BatchHarvester(database.Factory, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), clock, NullLogger<BatchHarvester>.Instance);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => harvester.HarvestAsync(SandboxHarness.Target, CancellationToken.None));

        Assert.Equal("DescribeJobs", ex.Operation);
        Assert.Contains("unexpected response", ex.Message, StringComparison.Ordinal);
        var run = Assert.Single(await database.RunsAsync());
        Assert.Equal(HarvestOutcome.Failed, run.Outcome);
        Assert.Contains("Batch DescribeJobs failed: unexpected response", run.Error, StringComparison.Ordinal);
        // The inventory came before and is whole; no job was written from a page whose DescribeJobs broke.
        await using var db = await database.Factory.CreateDbContextAsync();
        Assert.NotEmpty(await db.JobQueues.ToListAsync());
        Assert.Empty(await db.Jobs.Where(j => !j.FromSummary).ToListAsync());
        Assert.Empty(await db.JobAttempts.ToListAsync());
    }

    [Fact]
    public async Task SpotPriceHarvest_DescribeSpotPriceHistoryTruncated_FailsNamingTheOperationAndStoresNothing()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "DescribeSpotPriceHistory": { "malformedShare": 1 } }""");
        await using var database = await HarvestDatabase.CreateAsync();
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var target = new AwsTarget("prod", "us-east-1");
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            db.ComputeEnvironments.Add(new ComputeEnvironmentRow
            {
                Account = target.Account, Region = target.Region, Arn = "arn:aws:batch:us-east-1:123456789012:compute-environment/spot",
                Name = "spot", Type = "MANAGED", InstanceTypes = "m5.large",
            });
            await db.SaveChangesAsync();
        }

        var harvester = new SpotPriceHarvester(database.Factory,
            t => new Ec2Api(t, sandbox.Server.BaseAddress, Credentials, TestClients.FastPolicy with { MaxRetries = 1 }, new TokenBucket(10_000, 10_000, TimeProvider.System)),
            new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock), new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), clock,
            NullLogger<SpotPriceHarvester>.Instance);

        var ex = await Assert.ThrowsAsync<AwsApiException>(() => harvester.HarvestAsync(target, CancellationToken.None));

        Assert.Equal(("EC2", "DescribeSpotPriceHistory"), (ex.Service, ex.Operation));
        Assert.Contains("unexpected response: not valid XML", ex.Message, StringComparison.Ordinal);
        var run = Assert.Single(await database.RunsAsync());
        Assert.Equal(HarvestOutcome.Failed, run.Outcome);
        Assert.Contains("EC2 DescribeSpotPriceHistory failed", run.Error, StringComparison.Ordinal);
        await using var check = await database.Factory.CreateDbContextAsync();
        Assert.Empty(await check.SpotPriceChanges.ToListAsync());
        Assert.Empty(await check.HarvestWatermarks.ToListAsync());
    }

    [Fact]
    public async Task CatalogRefresh_GetProductsTruncated_FailsNamingGetProductsAndKeepsTheLastKnownGoodPrices()
    {
        await using var sandbox = await FaultySandbox.StartAsync("""{ "GetProducts": { "malformedShare": 1 } }""");
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, new FakeTimeProvider(SandboxFixture.Start));
        var job = new InstanceCatalogRefreshJob(
            catalog,
            t => new Ec2Api(t, sandbox.Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System)),
            [new AwsTarget("prod", "us-east-1")],
            () => PricingClients.Create(sandbox.Server.BaseAddress));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(CancellationToken.None));

        Assert.Contains("Pricing GetProducts failed: unexpected response: not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new OnDemandPrice(0.096m, PriceSource.EmbeddedSnapshot, "us-east-1"), catalog.OnDemandPrice("m5.large", "us-east-1"));
    }
}
