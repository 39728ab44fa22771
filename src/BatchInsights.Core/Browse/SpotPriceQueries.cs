using System.Text.RegularExpressions;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>What to read: one instance type and product, optionally one AZ, in [From, To) (epoch ms; null = default window).</summary>
public sealed record SpotPriceFilter(
    string? InstanceType,
    string? AvailabilityZone = null,
    long? FromMs = null,
    long? ToMs = null,
    string? ProductDescription = null,
    string? Account = null,
    string? Region = null);

/// <summary>One Spot price change: the price in USD per hour that took effect at <paramref name="TimestampMs"/> (epoch ms).</summary>
public sealed record SpotPricePoint(
    string Account,
    string Region,
    string AvailabilityZone,
    string InstanceType,
    string ProductDescription,
    long TimestampMs,
    decimal PriceUsdPerHour);

/// <summary>The On-Demand price of the type for one region of the result, with where it came from (Api | EmbeddedSnapshot).</summary>
public sealed record SpotOnDemandPrice(string Region, decimal UsdPerHour, string Source, string PricedRegion);

/// <summary>One Spot pool (account, region, AZ) over the window: price at the window's end, min and max, and Spot/On-Demand.</summary>
public sealed record SpotPoolSummary(
    string Account,
    string Region,
    string AvailabilityZone,
    decimal CurrentUsdPerHour,
    decimal MinUsdPerHour,
    decimal MaxUsdPerHour,
    decimal? OnDemandUsdPerHour,
    decimal? SpotToOnDemandRatio);

/// <summary>
/// Price changes of one type in a window, oldest first. Per pool, the first item may be older than
/// <paramref name="FromMs"/>: it is the price in effect when the window starts. <paramref name="Truncated"/>
/// says that more than <paramref name="Limit"/> changes fell in the window and only the oldest were returned.
/// </summary>
public sealed record SpotPriceHistory(
    string InstanceType,
    string ProductDescription,
    long FromMs,
    long ToMs,
    IReadOnlyList<SpotPricePoint> Items,
    bool Truncated,
    int Limit,
    IReadOnlyList<SpotOnDemandPrice> OnDemand,
    IReadOnlyList<SpotPoolSummary> Pools);

/// <summary>Harvested Spot price history (table spot_price_changes) joined with the catalog's On-Demand prices.</summary>
public sealed partial class SpotPriceQueries(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    IInstanceCatalog catalog,
    TimeProvider timeProvider)
{
    public const int MaxLimit = 10_000;
    public const string DefaultProduct = "Linux/UNIX";
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    /// <summary>Instance types with at least one harvested price change, by name.</summary>
    public async Task<IReadOnlyList<string>> ListInstanceTypesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.SpotPriceChanges.AsNoTracking().Select(r => r.InstanceType).Distinct().OrderBy(t => t)
            .ToListAsync(cancellationToken);
    }

    public async Task<SpotPriceHistory> GetHistoryAsync(SpotPriceFilter filter, int limit = MaxLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var type = filter.InstanceType?.Trim();
        if (string.IsNullOrEmpty(type))
        {
            throw new InvalidQueryParameterException("instanceType", "instanceType is required (e.g. m5.large).");
        }

        if (!InstanceTypePattern().IsMatch(type))
        {
            throw new InvalidQueryParameterException("instanceType", $"instanceType '{type}' is not an instance type name (e.g. m5.large).");
        }

        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidQueryParameterException("limit", $"limit must be between 1 and {MaxLimit}.");
        }

        var to = filter.ToMs ?? timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var from = filter.FromMs ?? to - (long)DefaultWindow.TotalMilliseconds;
        if (from >= to)
        {
            throw new InvalidQueryParameterException("from", "from must be before to.");
        }

        var product = string.IsNullOrWhiteSpace(filter.ProductDescription) ? DefaultProduct : filter.ProductDescription.Trim();
        var az = string.IsNullOrWhiteSpace(filter.AvailabilityZone) ? null : filter.AvailabilityZone.Trim();

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = db.SpotPriceChanges.AsNoTracking()
            .Where(r => r.InstanceType == type && r.ProductDescription == product);
        if (az is not null)
        {
            rows = rows.Where(r => r.AvailabilityZone == az);
        }

        if (!string.IsNullOrWhiteSpace(filter.Account))
        {
            var account = filter.Account.Trim();
            rows = rows.Where(r => r.Account == account);
        }

        if (!string.IsNullOrWhiteSpace(filter.Region))
        {
            var region = filter.Region.Trim();
            rows = rows.Where(r => r.Region == region);
        }

        // Per pool, the last change before the window: the price a chart must start from.
        var inEffect = await rows
            .Where(r => r.TimestampMs < from && r.TimestampMs == rows
                .Where(x => x.Account == r.Account && x.Region == r.Region && x.AvailabilityZone == r.AvailabilityZone && x.TimestampMs < from)
                .Max(x => x.TimestampMs))
            .Select(r => new { r.Account, r.Region, r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs, r.PriceMicroUsd })
            .ToListAsync(cancellationToken);

        var window = await rows
            .Where(r => r.TimestampMs >= from && r.TimestampMs < to)
            .OrderBy(r => r.TimestampMs).ThenBy(r => r.AvailabilityZone)
            .Take(limit + 1)
            .Select(r => new { r.Account, r.Region, r.AvailabilityZone, r.InstanceType, r.ProductDescription, r.TimestampMs, r.PriceMicroUsd })
            .ToListAsync(cancellationToken);

        var truncated = window.Count > limit;
        var items = inEffect.Concat(window.Take(limit))
            .Select(r => new SpotPricePoint(r.Account, r.Region, r.AvailabilityZone, r.InstanceType, r.ProductDescription,
                r.TimestampMs, ToUsd(r.PriceMicroUsd)))
            .OrderBy(p => p.TimestampMs).ThenBy(p => p.AvailabilityZone, StringComparer.Ordinal)
            .ToList();

        var onDemand = items.Select(p => p.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(region => catalog.OnDemandPrice(type, region) is { } p
                ? new SpotOnDemandPrice(region, p.UsdPerHour, p.Source.ToString(), p.PricedRegion)
                : null)
            .OfType<SpotOnDemandPrice>()
            .ToList();

        return new SpotPriceHistory(type, product, from, to, items, truncated, limit, onDemand, Summarize(items, onDemand));
    }

    /// <summary>Per pool: the last price (the one in effect at the window's end), min and max of the prices in effect during the window.</summary>
    internal static IReadOnlyList<SpotPoolSummary> Summarize(IReadOnlyList<SpotPricePoint> items, IReadOnlyList<SpotOnDemandPrice> onDemand) =>
        items.GroupBy(p => (p.Account, p.Region, p.AvailabilityZone))
            .OrderBy(g => g.Key.AvailabilityZone, StringComparer.Ordinal).ThenBy(g => g.Key.Account, StringComparer.Ordinal)
            .Select(g =>
            {
                var current = g.MaxBy(p => p.TimestampMs)!.PriceUsdPerHour;
                var od = onDemand.FirstOrDefault(o => o.Region == g.Key.Region)?.UsdPerHour;
                decimal? ratio = od is > 0 ? Math.Round(current / od.Value, 4) : null;
                return new SpotPoolSummary(g.Key.Account, g.Key.Region, g.Key.AvailabilityZone, current,
                    g.Min(p => p.PriceUsdPerHour), g.Max(p => p.PriceUsdPerHour), od, ratio);
            })
            .ToList();

    private static decimal ToUsd(long microUsd) => microUsd / 1_000_000m;

    // Family, optional generation/attributes, a dot, a size: m5.large, u-6tb1.metal, trn1n.32xlarge.
    [GeneratedRegex("^[a-z][a-z0-9-]*\\.[a-z0-9-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceTypePattern();
}
