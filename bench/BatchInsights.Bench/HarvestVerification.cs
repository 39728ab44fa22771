using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Sandbox;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Bench;

internal sealed record JobCheck(long Expected, long Missing, long Extra, long Duplicated)
{
    public string Describe() => $"{Fmt.N(Missing)} / {Fmt.N(Extra)} / {Fmt.N(Duplicated)} (of {Fmt.N(Expected)})";
}

internal sealed record SpotCheck(long Stored, long Pools, double Days, long Missing, long Extra, long SameMillisecond);

/// <summary>Proves a benchmark harvest lost and duplicated nothing, against what the sandbox holds.</summary>
internal static class HarvestVerification
{
    /// <summary>Stored job ids against every id the sandbox created by <paramref name="now"/> (MNP node jobs excluded).</summary>
    public static async Task<JobCheck> CheckJobsAsync(IDbContextFactory<BatchInsightsDbContext> factory, SandboxServer sandbox, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expected = sandbox.Account.JobIdsCreatedBy(now.ToUnixTimeMilliseconds(), step: 1)
            .Where(id => !id.Contains('#', StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var stored = await db.Jobs.AsNoTracking().Select(j => j.JobId).ToListAsync(cancellationToken);
        var distinct = stored.ToHashSet(StringComparer.Ordinal);
        return new JobCheck(
            expected.Count,
            expected.Count(id => !distinct.Contains(id)),
            distinct.Count(id => !expected.Contains(id)),
            stored.Count - distinct.Count);
    }

    /// <summary>
    /// The stored price changes against one direct DescribeSpotPriceHistory read of the same 90-day window for the same
    /// instance types (with many retries, so a throttling sandbox still answers everything).
    /// </summary>
    public static async Task<SpotCheck> CheckSpotPricesAsync(
        IDbContextFactory<BatchInsightsDbContext> factory, IInstanceCatalog catalog, AwsTarget target, Uri sandbox,
        AwsCredentialSource credentials, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var stored = await db.SpotPriceChanges.AsNoTracking()
            .Select(r => new { r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs, r.PriceMicroUsd })
            .ToListAsync(cancellationToken);
        var lists = await db.ComputeEnvironments.AsNoTracking().Where(c => c.InstanceTypes != "").Select(c => c.InstanceTypes).ToListAsync(cancellationToken);
        var types = CandidateInstanceTypes.FromStored(lists, catalog).Where(t => !catalog.TryGet(t, out var spec) || spec.SupportsSpot).ToList();

        var now = clock.GetUtcNow();
        // Keyed as the table is (pool, product, timestamp): the sandbox now and then moves a pool's price twice in the
        // same millisecond, which one row per key cannot hold; the store keeps one of them (counted below).
        var truth = new Dictionary<(string, string, string, long), HashSet<long>>();
        using var api = new Ec2Api(target, sandbox, credentials, new AwsCallPolicy { MaxRetries = 30 }, new TokenBucket(10_000, 10_000, TimeProvider.System));
        foreach (var chunk in types.Chunk(25))
        {
            var prices = await api.DescribeSpotPriceHistoryAsync(new SpotPriceQuery(chunk, SpotProducts.Linux, null, now - TimeSpan.FromDays(90), now), cancellationToken);
            foreach (var p in prices)
            {
                var key = (p.AvailabilityZone, p.InstanceType, p.ProductDescription, p.TimestampMs);
                if (!truth.TryGetValue(key, out var set))
                {
                    truth[key] = set = [];
                }

                set.Add((long)decimal.Round(p.PriceUsdPerHour * 1_000_000m, 0, MidpointRounding.AwayFromZero));
            }
        }

        var storedByKey = stored.ToDictionary(r => (r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs), r => r.PriceMicroUsd);
        var missing = truth.Count(t => !storedByKey.TryGetValue(t.Key, out var price) || !t.Value.Contains(price));
        var extra = storedByKey.Keys.Count(k => !truth.ContainsKey(k));
        var sameMillisecond = truth.Values.Count(v => v.Count > 1);
        var pools = stored.Select(r => (r.AvailabilityZone, r.InstanceType)).Distinct().Count();
        var days = stored.Count == 0 ? 0 : (now.ToUnixTimeMilliseconds() - Math.Max(stored.Min(r => r.TimestampMs), (now - TimeSpan.FromDays(90)).ToUnixTimeMilliseconds())) / 86_400_000d;
        return new SpotCheck(stored.Count, pools, days, missing, extra, sameMillisecond);
    }
}
