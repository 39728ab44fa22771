using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Tests.SpotPrices;

public sealed class SpotPriceHarvesterTests
{
    private const string Linux = SpotProducts.LinuxUnix;
    private const string LinuxVpc = SpotProducts.LinuxUnixVpc;

    [Fact]
    public async Task HarvestAsync_FirstRun_BackfillsNinetyDaysOfTheCandidateTypesOnly()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync();
        await ctx.AddComputeEnvironmentAsync("ce-spot", "m5.large,c5.xlarge");
        ctx.Api.Market = Market();

        var run = await ctx.HarvestAsync();

        var query = Assert.Single(ctx.Api.Queries);
        Assert.Equal(SpotPriceTestContext.Now.AddDays(-90), query.StartTime);
        Assert.Equal(SpotPriceTestContext.Now, query.EndTime);
        Assert.Equal(["c5.xlarge", "m5.large"], query.InstanceTypes);
        Assert.Equal([Linux, LinuxVpc], query.ProductDescriptions);
        Assert.Equal(
            [
                Row("us-east-1a", "m5.large", Linux, Days(-120), 30_000),  // in effect at the window start
                Row("us-east-1a", "m5.large", Linux, Days(-60), 31_000),
                Row("us-east-1a", "m5.large", Linux, Days(-1), 32_500),
                Row("us-east-1b", "c5.xlarge", LinuxVpc, Days(-10), 51_234),
            ],
            (await ctx.RowsAsync()).Select(Describe));
        Assert.Equal(SpotPriceTestContext.Now.ToUnixTimeMilliseconds(), await ctx.WatermarkAsync());
        Assert.Equal((SpotPriceHarvester.Kind, HarvestOutcome.Succeeded, 1L, (string?)null), (run.Kind, run.Outcome, run.Calls, run.Error));
    }

    [Fact]
    public async Task HarvestAsync_LaterRuns_FetchFromTheWatermarkAndRepeatingChangesNothing()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync();
        await ctx.AddComputeEnvironmentAsync("ce-spot", "m5.large,c5.xlarge");
        ctx.Api.Market = Market();
        await ctx.HarvestAsync();
        var afterFirst = await ctx.RowsAsync();

        ctx.Time.Advance(TimeSpan.FromMinutes(30));
        var second = await ctx.HarvestAsync();
        var afterSecond = await ctx.DumpAsync();
        ctx.Time.Advance(TimeSpan.FromMinutes(30));
        await ctx.HarvestAsync();

        Assert.Equal(SpotPriceTestContext.Now, ctx.Api.Queries[1].StartTime);
        Assert.Equal(SpotPriceTestContext.Now.AddMinutes(30), ctx.Api.Queries[1].EndTime);
        Assert.Equal(SpotPriceTestContext.Now.AddMinutes(30), ctx.Api.Queries[2].StartTime);
        var rows = await ctx.RowsAsync();
        // The change at +10 min is new; the prices in effect that AWS repeats at each window start are not.
        Assert.Equal(afterFirst.Count + 1, rows.Count);
        Assert.Contains(Row("us-east-1a", "m5.large", Linux, Minutes(10), 33_000), rows.Select(Describe));
        Assert.Equal(afterSecond, await ctx.DumpAsync());
        Assert.Equal(SpotPriceTestContext.Now.AddMinutes(60).ToUnixTimeMilliseconds(), await ctx.WatermarkAsync());
        Assert.Equal(HarvestOutcome.Succeeded, second.Outcome);
    }

    [Fact]
    public async Task HarvestAsync_FailsPartWay_KeepsTheWatermarkRecordsTheReasonAndTheNextRunCatchesUp()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync(typesPerQuery: 1);
        await ctx.AddComputeEnvironmentAsync("ce-spot", "m5.large,c5.xlarge");
        ctx.Api.Market = Market();
        ctx.Api.FailOn = (2, new AwsApiException("EC2", "DescribeSpotPriceHistory", "RequestLimitExceeded: Request limit exceeded.", 503, "RequestLimitExceeded"));

        var ex = await Assert.ThrowsAsync<AwsApiException>(ctx.HarvestAsync);

        var failed = Assert.Single(await ctx.RunsAsync());
        Assert.Equal(HarvestOutcome.Failed, failed.Outcome);
        Assert.Equal(ex.Message, failed.Error);
        Assert.Contains("RequestLimitExceeded", failed.Error, StringComparison.Ordinal);
        Assert.Equal(2, failed.Calls);
        Assert.Null(await ctx.WatermarkAsync());
        // The first chunk (c5.xlarge) was stored whole; nothing of the failed one.
        Assert.Equal(["c5.xlarge"], (await ctx.RowsAsync()).Select(r => r.InstanceType).Distinct());

        ctx.Api.FailOn = null;
        var retried = await ctx.HarvestAsync();

        await using var clean = await SpotPriceTestContext.CreateAsync(typesPerQuery: 1);
        await clean.AddComputeEnvironmentAsync("ce-spot", "m5.large,c5.xlarge");
        clean.Api.Market = Market();
        await clean.HarvestAsync();
        Assert.Equal(HarvestOutcome.Succeeded, retried.Outcome);
        Assert.Equal(SpotPriceTestContext.Now.AddDays(-90), ctx.Api.Queries[2].StartTime);
        Assert.Equal(await clean.DumpAsync(), await ctx.DumpAsync());
        Assert.Equal(SpotPriceTestContext.Now.ToUnixTimeMilliseconds(), await ctx.WatermarkAsync());
    }

    [Fact]
    public async Task HarvestAsync_TypeAddedAfterTheBackfill_GetsItsOwnNinetyDays()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync();
        await ctx.AddComputeEnvironmentAsync("ce-spot", "m5.large");
        ctx.Api.Market = [.. Market(), Change("us-east-1c", "r5.large", Linux, Days(-20), 0.04m)];
        await ctx.HarvestAsync();

        await ctx.AddComputeEnvironmentAsync("ce-memory", "r5.large");
        ctx.Time.Advance(TimeSpan.FromMinutes(30));
        await ctx.HarvestAsync();

        var incremental = ctx.Api.Queries[1];
        var backfill = ctx.Api.Queries[2];
        Assert.Equal(["m5.large"], incremental.InstanceTypes);
        Assert.Equal(SpotPriceTestContext.Now, incremental.StartTime);
        Assert.Equal(["r5.large"], backfill.InstanceTypes);
        Assert.Equal(SpotPriceTestContext.Now.AddMinutes(30).AddDays(-90), backfill.StartTime);
        Assert.Contains(Row("us-east-1c", "r5.large", Linux, Days(-20), 40_000), (await ctx.RowsAsync()).Select(Describe));
    }

    [Fact]
    public async Task HarvestAsync_FamilyAndOptimal_AskForTheExpandedSpotCapableTypes()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync(typesPerQuery: 1000);
        await ctx.AddComputeEnvironmentAsync("ce-a", "optimal");
        await ctx.AddComputeEnvironmentAsync("ce-b", "x2gd, m5.large");
        await ctx.AddComputeEnvironmentAsync("ce-fargate", "");
        ctx.Api.Market = [];

        await ctx.HarvestAsync();

        var asked = Assert.Single(ctx.Api.Queries).InstanceTypes;
        Assert.Contains("m5.large", asked);
        Assert.Contains("c4.8xlarge", asked);
        Assert.Contains("r5.24xlarge", asked);
        Assert.Contains("c6i.large", asked);
        Assert.Contains("x2gd.medium", asked);
        Assert.DoesNotContain("t3.micro", asked);
        Assert.Equal(asked.Order(StringComparer.Ordinal), asked);
    }

    [Fact]
    public async Task HarvestAsync_NoComputeEnvironments_SucceedsWithoutCallsAndWithoutWatermark()
    {
        await using var ctx = await SpotPriceTestContext.CreateAsync();

        var run = await ctx.HarvestAsync();

        Assert.Equal((HarvestOutcome.Succeeded, 0L), (run.Outcome, run.Calls));
        Assert.Empty(ctx.Api.Queries);
        Assert.Null(await ctx.WatermarkAsync());
    }

    private static List<SpotPriceSnapshot> Market() =>
    [
        Change("us-east-1a", "m5.large", Linux, Days(-120), 0.030m),
        Change("us-east-1a", "m5.large", Linux, Days(-60), 0.031m),
        Change("us-east-1a", "m5.large", Linux, Days(-1), 0.0325m),
        Change("us-east-1a", "m5.large", Linux, Minutes(10), 0.033m),   // after the first run's window
        Change("us-east-1b", "c5.xlarge", LinuxVpc, Days(-10), 0.051234m),
        Change("us-east-1a", "t3.micro", Linux, Days(-5), 0.004m),       // no CE can use it
        Change("us-east-1a", "m5.large", "Windows", Days(-5), 0.1m),     // not a Linux product
    ];

    private static SpotPriceSnapshot Change(string az, string type, string product, long timestampMs, decimal usd) =>
        new(az, type, product, usd, timestampMs);

    private static long Days(int days) => SpotPriceTestContext.Now.AddDays(days).ToUnixTimeMilliseconds();

    private static long Minutes(int minutes) => SpotPriceTestContext.Now.AddMinutes(minutes).ToUnixTimeMilliseconds();

    private static string Row(string az, string type, string product, long timestampMs, long microUsd) =>
        $"prod/us-east-1 {az} {type} {product} {timestampMs} {microUsd}";

    private static string Describe(SpotPriceChangeRow r) =>
        $"{r.Account}/{r.Region} {r.AvailabilityZone} {r.InstanceType} {r.ProductDescription} {r.TimestampMs} {r.PriceMicroUsd}";
}
