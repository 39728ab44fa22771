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

internal sealed record SpotCheck(long Stored, long Pools, double Days, long Missing, long Extra);

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
        var truth = new HashSet<(string, string, string, long, long)>();
        using var api = new Ec2Api(target, sandbox, credentials, new AwsCallPolicy { MaxRetries = 30 }, new TokenBucket(10_000, 10_000, TimeProvider.System));
        foreach (var chunk in types.Chunk(25))
        {
            var prices = await api.DescribeSpotPriceHistoryAsync(new SpotPriceQuery(chunk, SpotProducts.Linux, null, now - TimeSpan.FromDays(90), now), cancellationToken);
            foreach (var p in prices)
            {
                truth.Add((p.AvailabilityZone, p.InstanceType, p.ProductDescription, p.TimestampMs, (long)decimal.Round(p.PriceUsdPerHour * 1_000_000m, 0, MidpointRounding.AwayFromZero)));
            }
        }

        var storedSet = stored.Select(r => (r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs, r.PriceMicroUsd)).ToHashSet();
        var pools = stored.Select(r => (r.AvailabilityZone, r.InstanceType)).Distinct().Count();
        var days = stored.Count == 0 ? 0 : (now.ToUnixTimeMilliseconds() - Math.Max(stored.Min(r => r.TimestampMs), (now - TimeSpan.FromDays(90)).ToUnixTimeMilliseconds())) / 86_400_000d;
        if (Environment.GetEnvironmentVariable("BENCH_SPOT_DEBUG") == "1")
        {
            foreach (var t in truth.Where(t => !storedSet.Contains(t)).Take(20))
            {
                Console.WriteLine($"missing {t}; stored same key: {string.Join(",", storedSet.Where(x => x.Item1 == t.Item1 && x.Item2 == t.Item2 && x.Item3 == t.Item3 && x.Item4 == t.Item4))}");
            }
        }

        return new SpotCheck(stored.Count, pools, days, truth.Count(t => !storedSet.Contains(t)), storedSet.Count(s => !truth.Contains(s)));
    }
}
