using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.SpotPrices;

/// <summary>The Spot price harvest end to end through AWSSDK.EC2 against moto (placeholder prices, real wire protocol).</summary>
public sealed class SpotPriceHarvesterMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    [PythonFact("moto", "boto3")]
    public async Task HarvestAsync_AgainstMoto_StoresPricesPerAzAndIsIdempotent()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync();
        await ctx.AddComputeEnvironmentAsync("ce-spot", "m5.large");
        var harvester = new SpotPriceHarvester(
            ctx.Db,
            t => new Ec2Api(t, moto.Endpoint, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(100, 100, TimeProvider.System)),
            ctx.Catalog,
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance),
            new FakeTimeProvider(DateTimeOffset.UtcNow),
            NullLogger<SpotPriceHarvester>.Instance);

        var first = await harvester.HarvestAsync(SpotPriceTestContext.Target, CancellationToken.None);
        var afterFirst = await ctx.DumpAsync();
        var second = await harvester.HarvestAsync(SpotPriceTestContext.Target, CancellationToken.None);

        var rows = await ctx.RowsAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(("prod", "us-east-1", "m5.large"), (r.Account, r.Region, r.InstanceType)));
        Assert.True(rows.Select(r => r.AvailabilityZone).Distinct().Count() > 1, "moto prices each AZ of the region");
        Assert.Equal(afterFirst, await ctx.DumpAsync());
        Assert.Equal((HarvestOutcome.Succeeded, 1L), (first.Outcome, first.Calls));
        Assert.Equal(HarvestOutcome.Succeeded, second.Outcome);
        Assert.NotNull(await ctx.WatermarkAsync());
    }
}
