using System.Globalization;
using BatchInsights.Core.Aws;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Catalog;

/// <summary>What a catalog refresh did; on failure the catalog kept its previous snapshot.</summary>
public sealed record CatalogRefreshResult(bool Succeeded, int Count, string? Error);

/// <summary>
/// The app's <see cref="IInstanceCatalog"/> (a singleton): seeded from the embedded snapshot, refreshed
/// by jobs through <see cref="RefreshAsync"/> / <see cref="RefreshPricesAsync"/>. A refresh builds a new
/// snapshot and swaps it in; a failed or empty answer leaves the last known good one in place.
/// </summary>
public sealed class InstanceCatalog : IInstanceCatalog
{
    private readonly ILogger<InstanceCatalog> _logger;
    private readonly TimeProvider _time;
    private volatile CatalogSnapshot _snapshot;

    public InstanceCatalog(ILogger<InstanceCatalog> logger, TimeProvider time)
        : this(EmbeddedCatalog.Snapshot, logger, time)
    {
    }

    internal InstanceCatalog(CatalogSnapshot seed, ILogger<InstanceCatalog> logger, TimeProvider time)
    {
        _snapshot = seed;
        _logger = logger;
        _time = time;
    }

    public IReadOnlyCollection<InstanceTypeSnapshot> All => [.. _snapshot.Types.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];

    public string SpecsSource => _snapshot.SpecsSource;

    public bool TryGet(string instanceType, out InstanceTypeSnapshot spec)
    {
        ArgumentNullException.ThrowIfNull(instanceType);
        return _snapshot.Types.TryGetValue(instanceType, out spec!);
    }

    public OnDemandPrice? OnDemandPrice(string instanceType, string region)
    {
        ArgumentNullException.ThrowIfNull(instanceType);
        ArgumentNullException.ThrowIfNull(region);
        var snapshot = _snapshot;
        if (snapshot.PricesByRegion.TryGetValue(region, out var prices) && prices.TryGetValue(instanceType, out var price))
        {
            return price;
        }

        // Only us-east-1 ships embedded: other regions get its price, labelled with the region it is for.
        return snapshot.PricesByRegion.TryGetValue(EmbeddedCatalog.PricedRegion, out var fallback) && fallback.TryGetValue(instanceType, out var approximate)
            ? approximate
            : null;
    }

    public IReadOnlySet<string>? OfferedZones(string instanceType, string region)
    {
        ArgumentNullException.ThrowIfNull(instanceType);
        ArgumentNullException.ThrowIfNull(region);
        return _snapshot.ZonesByRegion.TryGetValue(region, out var byType)
            ? byType.TryGetValue(instanceType, out var zones) ? zones : NoZones
            : null;
    }

    private static readonly IReadOnlySet<string> NoZones = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Replaces one region's AZ offerings from DescribeInstanceTypeOfferings. Never throws for an AWS failure: the catalog
    /// keeps what it had (offerings unknown until a read succeeds, so no type is ruled out) and the result says why.
    /// </summary>
    public async Task<CatalogRefreshResult> RefreshOfferingsAsync(IEc2Api ec2, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var (offerings, failure) = await ReadAsync(ec2.DescribeInstanceTypeOfferingsAsync, "instance type offerings", ec2.Target,
            "DescribeInstanceTypeOfferings returned no offerings", cancellationToken);
        if (offerings is null)
        {
            return failure!;
        }

        var byType = offerings.GroupBy(o => o.InstanceType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(o => o.AvailabilityZone).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var current = _snapshot;
        var byRegion = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>(current.ZonesByRegion, StringComparer.Ordinal)
        {
            [ec2.Target.Region] = byType,
        };
        _snapshot = current with { ZonesByRegion = byRegion };
        _logger.LogInformation("Instance type offerings of {Target} refreshed: {Types} types in {Zones} AZs", ec2.Target, byType.Count,
            offerings.Select(o => o.AvailabilityZone).Distinct(StringComparer.Ordinal).Count());
        return new CatalogRefreshResult(true, offerings.Count, null);
    }

    /// <summary>
    /// Replaces the specs of every type DescribeInstanceTypes returns (the catalog is global while the call is
    /// per region, so types the region does not offer keep their last known specs). Never throws for an AWS
    /// failure: the catalog keeps its snapshot and the result says why.
    /// </summary>
    public async Task<CatalogRefreshResult> RefreshAsync(IEc2Api ec2, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var (types, failure) = await ReadAsync(ec2.DescribeInstanceTypesAsync, "instance types", ec2.Target,
            "DescribeInstanceTypes returned no instance types", cancellationToken);
        if (types is null)
        {
            return failure!;
        }

        var current = _snapshot;
        var merged = new Dictionary<string, InstanceTypeSnapshot>(current.Types, StringComparer.Ordinal);
        foreach (var type in types)
        {
            merged[type.Name] = type;
        }

        var source = string.Create(CultureInfo.InvariantCulture, $"DescribeInstanceTypes of {ec2.Target} at {_time.GetUtcNow():yyyy-MM-dd HH:mm}Z (over the embedded snapshot)");
        _snapshot = current with { Types = merged, SpecsSource = source };
        _logger.LogInformation("Instance catalog refreshed from {Target}: {Count} instance types ({Total} known)", ec2.Target, types.Count, merged.Count);
        return new CatalogRefreshResult(true, types.Count, null);
    }

    /// <summary>Replaces one region's Linux On-Demand prices from the Price List API; keeps the old ones on failure.</summary>
    public async Task<CatalogRefreshResult> RefreshPricesAsync(IOnDemandPriceSource source, string region, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        IReadOnlyDictionary<string, decimal> prices;
        try
        {
            prices = await source.GetLinuxOnDemandPricesAsync(region, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return KeepLastKnownGood("On-Demand prices", region, ex.Message, ex);
        }

        if (prices.Count == 0)
        {
            return KeepLastKnownGood("On-Demand prices", region, "the Price List API returned no prices", null);
        }

        var current = _snapshot;
        // Types the API did not price keep their previous (possibly embedded) price rather than losing it.
        var regionPrices = current.PricesByRegion.TryGetValue(region, out var old)
            ? new Dictionary<string, OnDemandPrice>(old, StringComparer.Ordinal)
            : new Dictionary<string, OnDemandPrice>(StringComparer.Ordinal);
        foreach (var (type, usd) in prices)
        {
            regionPrices[type] = new OnDemandPrice(usd, PriceSource.Api, region);
        }

        var byRegion = new Dictionary<string, IReadOnlyDictionary<string, OnDemandPrice>>(current.PricesByRegion, StringComparer.Ordinal)
        {
            [region] = regionPrices,
        };
        _snapshot = current with { PricesByRegion = byRegion };
        _logger.LogInformation("On-Demand prices for {Region} refreshed: {Count} instance types", region, prices.Count);
        return new CatalogRefreshResult(true, prices.Count, null);
    }

    /// <summary>One EC2 read of a refresh: its rows, or (on an AWS failure or an empty answer) the result that keeps the catalog.</summary>
    private async Task<(IReadOnlyList<T>? Rows, CatalogRefreshResult? Failure)> ReadAsync<T>(Func<CancellationToken, Task<IReadOnlyList<T>>> read, string what,
        object from, string emptyReason, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await read(cancellationToken);
            return rows.Count == 0 ? (null, KeepLastKnownGood(what, from, emptyReason, null)) : (rows, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, KeepLastKnownGood(what, from, ex.Message, ex));
        }
    }

    private CatalogRefreshResult KeepLastKnownGood(string what, object from, string reason, Exception? ex)
    {
        _logger.LogWarning(ex, "Refreshing {What} from {From} failed; keeping the last known good catalog ({Source}): {Reason}", what, from, _snapshot.SpecsSource, reason);
        return new CatalogRefreshResult(false, 0, reason);
    }
}
