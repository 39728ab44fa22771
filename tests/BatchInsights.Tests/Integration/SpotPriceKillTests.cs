using System.Text;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using static BatchInsights.Tests.Integration.KillAssert;

namespace BatchInsights.Tests.Integration;

/// <summary>
/// A Spot price back-fill against the sandbox killed part-way (during a fetch, and in the middle of a chunk's commit)
/// and run again ends with exactly the price changes of a run that was never interrupted: no gap, no duplicate.
/// </summary>
public sealed class SpotPriceKillTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string Table = "spot_price_changes";
    private static readonly AwsTarget Target = new("prod", "us-east-1");

    [Fact]
    public async Task HarvestAsync_KilledDuringAFetchAndMidCommitThenRerun_StoresExactlyThePriceChangesOfAnUninterruptedRun()
    {
        await using var reference = await KillableDatabase.CreateAsync();
        reference.Kill.Arm(Table, killAt: 0);
        await HarvestAsync(reference.Factory, new CancellingEc2Api(NewApi()), CancellationToken.None);
        var expected = await DumpAsync(reference.Factory);
        var inserts = reference.Kill.Inserts(Table);
        Assert.True(inserts >= 4, $"only {inserts} insert commands: too few to kill one in the middle");

        await using var database = await KillableDatabase.CreateAsync();

        // 1: the process stops while the second chunk's pages are being fetched.
        using (var stop = new CancellationTokenSource())
        {
            var api = new CancellingEc2Api(NewApi()) { CancelAtCall = 2, Cancel = stop };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HarvestAsync(database.Factory, api, stop.Token));
        }

        await AssertWholeChunksOnlyAsync(database.Factory, expected);

        // 2: the rerun dies half-way through writing a chunk's rows (the fetch succeeded, the commit did not).
        database.Kill.Arm(Table, killAt: inserts / 2);
        await AssertKilledAsync(() => HarvestAsync(database.Factory, new CancellingEc2Api(NewApi()), CancellationToken.None));
        Assert.True(database.Kill.Fired);
        await AssertWholeChunksOnlyAsync(database.Factory, expected);

        // 3: left to finish.
        database.Kill.Arm(Table, killAt: 0);
        var finished = await HarvestAsync(database.Factory, new CancellingEc2Api(NewApi()), CancellationToken.None);

        Assert.Equal(expected, await DumpAsync(database.Factory));
        Assert.Equal(HarvestOutcome.Succeeded, finished.Outcome);
        await using var db = await database.Factory.CreateDbContextAsync();
        var runs = await db.HarvestRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
        Assert.Equal([HarvestOutcome.Failed, HarvestOutcome.Failed, HarvestOutcome.Succeeded], runs.Select(r => r.Outcome));
        Assert.Equal("Canceled before the harvest finished.", runs[0].Error);
        Assert.Contains("simulated kill", runs[1].Error, StringComparison.Ordinal);
    }

    private Ec2Api NewApi() =>
        new(Target, fixture.Server.BaseAddress, AwsCredentialSource.Fixed("AKIDTEST", "test-secret"), TestClients.FastPolicy, new TokenBucket(10_000, 10_000, TimeProvider.System));

    private async Task<HarvestRunRow> HarvestAsync(IDbContextFactory<BatchInsightsDbContext> factory, IEc2Api api, CancellationToken cancellationToken)
    {
        await using (var db = await factory.CreateDbContextAsync(CancellationToken.None))
        {
            if (!await db.ComputeEnvironments.AnyAsync(CancellationToken.None))
            {
                // Two families over the sandbox's six AZs: 16 types, four chunks of four, several thousand price changes.
                db.ComputeEnvironments.Add(new ComputeEnvironmentRow
                {
                    Account = Target.Account,
                    Region = Target.Region,
                    Arn = "arn:aws:batch:us-east-1:123456789012:compute-environment/spot",
                    Name = "spot",
                    Type = "MANAGED",
                    InstanceTypes = "m5,c5",
                });
                await db.SaveChangesAsync(CancellationToken.None);
            }
        }

        var harvester = new SpotPriceHarvester(factory, _ => api, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, fixture.Clock),
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), fixture.Clock, NullLogger<SpotPriceHarvester>.Instance)
        {
            TypesPerQuery = 4,
        };
        return await harvester.HarvestAsync(Target, cancellationToken);
    }

    /// <summary>Whatever a killed run left is the uninterrupted run's rows of whole instance types (its chunks), nothing half.</summary>
    private static async Task AssertWholeChunksOnlyAsync(IDbContextFactory<BatchInsightsDbContext> factory, string expected)
    {
        var stored = (await DumpAsync(factory)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var all = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Subset(all.ToHashSet(), stored.ToHashSet());
        var storedTypes = stored.Select(TypeOf).ToHashSet();
        Assert.Equal(all.Count(l => storedTypes.Contains(TypeOf(l))), stored.Length);
        Assert.True(stored.Length < all.Length, "the killed run stored everything: it was not killed part-way");

        static string TypeOf(string line) => line.Split('|')[1];
    }

    private static async Task<string> DumpAsync(IDbContextFactory<BatchInsightsDbContext> factory)
    {
        await using var db = await factory.CreateDbContextAsync();
        var rows = await db.SpotPriceChanges.AsNoTracking()
            .OrderBy(x => x.AvailabilityZone).ThenBy(x => x.InstanceType).ThenBy(x => x.ProductDescription).ThenBy(x => x.TimestampMs)
            .ToListAsync();
        var text = new StringBuilder();
        foreach (var r in rows)
        {
            text.Append(r.AvailabilityZone).Append('|').Append(r.InstanceType).Append('|').Append(r.ProductDescription).Append('|')
                .Append(r.TimestampMs).Append('|').Append(r.PriceMicroUsd).Append('|').Append(r.Account).Append('|').Append(r.Region).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The real client; cancels the harvest's token as call number <see cref="CancelAtCall"/> starts, so that call dies in flight.</summary>
    private sealed class CancellingEc2Api(Ec2Api inner) : IEc2Api, IDisposable
    {
        private int _calls;

        public int CancelAtCall { get; init; }

        public CancellationTokenSource? Cancel { get; init; }

        public AwsTarget Target => inner.Target;

        public AwsCallStats Stats => inner.Stats;

        public Task<IReadOnlyList<SpotPriceSnapshot>> DescribeSpotPriceHistoryAsync(SpotPriceQuery query, CancellationToken cancellationToken)
        {
            if (++_calls == CancelAtCall)
            {
                Cancel?.Cancel();
            }

            return inner.DescribeSpotPriceHistoryAsync(query, cancellationToken);
        }

        public Task<IReadOnlyList<InstanceTypeSnapshot>> DescribeInstanceTypesAsync(CancellationToken cancellationToken) =>
            inner.DescribeInstanceTypesAsync(cancellationToken);

        public Task<IReadOnlyList<InstanceTypeOffering>> DescribeInstanceTypeOfferingsAsync(CancellationToken cancellationToken) =>
            inner.DescribeInstanceTypeOfferingsAsync(cancellationToken);

        public Task<IReadOnlyList<Ec2InstanceSnapshot>> DescribeInstancesAsync(IReadOnlyList<Ec2Filter> filters, CancellationToken cancellationToken) =>
            inner.DescribeInstancesAsync(filters, cancellationToken);

        public Task<IReadOnlyList<SubnetSnapshot>> DescribeSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken) =>
            inner.DescribeSubnetsAsync(subnetIds, cancellationToken);

        public Task<IReadOnlyList<RouteTableSnapshot>> DescribeRouteTablesAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
            inner.DescribeRouteTablesAsync(vpcIds, cancellationToken);

        public Task<IReadOnlyList<NatGatewaySnapshot>> DescribeNatGatewaysAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
            inner.DescribeNatGatewaysAsync(vpcIds, cancellationToken);

        public Task<IReadOnlyList<VpcEndpointSnapshot>> DescribeVpcEndpointsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
            inner.DescribeVpcEndpointsAsync(vpcIds, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
