using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Harvesting;

/// <summary>Reads and writes one target's Spot price rows and watermark.</summary>
internal sealed class SpotPriceStore(IDbContextFactory<BatchInsightsDbContext> dbFactory, AwsTarget target, TimeProvider time)
{
    private const decimal MicroUsdPerUsd = 1_000_000m;

    private readonly string _account = target.Account;
    private readonly string _region = target.Region;

    public static long ToMicroUsd(decimal usd) => (long)decimal.Round(usd * MicroUsdPerUsd, 0, MidpointRounding.AwayFromZero);

    /// <summary>The stored <c>instanceTypes</c> lists of the target's compute environments.</summary>
    public async Task<List<string>> ReadComputeEnvironmentInstanceTypesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ComputeEnvironments.AsNoTracking()
            .Where(x => x.Account == _account && x.Region == _region && x.InstanceTypes != "")
            .Select(x => x.InstanceTypes)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Which of <paramref name="instanceTypes"/> already have stored price changes for the target.</summary>
    public async Task<HashSet<string>> ReadStoredInstanceTypesAsync(IReadOnlyCollection<string> instanceTypes, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await db.SpotPriceChanges.AsNoTracking()
            .Where(x => x.Account == _account && x.Region == _region && instanceTypes.Contains(x.InstanceType))
            .Select(x => x.InstanceType)
            .Distinct()
            .ToListAsync(cancellationToken);
        return new HashSet<string>(found, StringComparer.Ordinal);
    }

    /// <summary>Inserts new price changes and corrects changed prices; returns how many rows it inserted or updated.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<SpotPriceSnapshot> prices, CancellationToken cancellationToken)
    {
        if (prices.Count == 0)
        {
            return 0;
        }

        // The same change can come twice (overlapping pages, the price in effect at the window start): last wins.
        var incoming = new Dictionary<(string Az, string Type, string Product, long Ts), long>();
        foreach (var p in prices)
        {
            incoming[(p.AvailabilityZone, p.InstanceType, p.ProductDescription, p.TimestampMs)] = ToMicroUsd(p.PriceUsdPerHour);
        }

        var types = incoming.Keys.Select(k => k.Type).Distinct(StringComparer.Ordinal).ToList();
        var from = incoming.Keys.Min(k => k.Ts);
        var to = incoming.Keys.Max(k => k.Ts);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.SpotPriceChanges
            .Where(x => x.Account == _account && x.Region == _region && types.Contains(x.InstanceType) && x.TimestampMs >= from && x.TimestampMs <= to)
            .ToDictionaryAsync(x => (x.AvailabilityZone, x.InstanceType, x.ProductDescription, x.TimestampMs), cancellationToken);

        var changed = 0;
        foreach (var ((az, type, product, ts), price) in incoming)
        {
            if (existing.TryGetValue((az, type, product, ts), out var row))
            {
                if (row.PriceMicroUsd != price)
                {
                    row.PriceMicroUsd = price;
                    changed++;
                }
            }
            else
            {
                db.SpotPriceChanges.Add(new SpotPriceChangeRow
                {
                    Account = _account,
                    Region = _region,
                    AvailabilityZone = az,
                    InstanceType = type,
                    ProductDescription = product,
                    TimestampMs = ts,
                    PriceMicroUsd = price,
                });
                changed++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }

    public Task<long?> ReadWatermarkAsync(string scope, CancellationToken cancellationToken) =>
        HarvestWatermarks.ReadAsync(dbFactory, _account, _region, scope, cancellationToken);

    public Task WriteWatermarkAsync(string scope, long valueMs, CancellationToken cancellationToken) =>
        HarvestWatermarks.WriteAsync(dbFactory, _account, _region, scope, valueMs, time.GetUtcNow().UtcDateTime, cancellationToken);
}
