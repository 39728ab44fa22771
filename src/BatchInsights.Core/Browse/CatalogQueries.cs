using BatchInsights.Core.Catalog;

namespace BatchInsights.Core.Browse;

/// <summary>
/// One catalog entry with its Linux On-Demand price for a region. <paramref name="PriceSource"/> is
/// Api or EmbeddedSnapshot; <paramref name="PricedRegion"/> is the region the price is for (may differ from the one asked).
/// </summary>
public sealed record InstanceTypeSummary(
    string Name,
    int Vcpus,
    long MemoryMib,
    int Gpus,
    IReadOnlyList<string> Architectures,
    decimal? OnDemandUsdPerHour,
    string? PriceSource,
    string? PricedRegion);

/// <summary>The instance catalog as a read model for the API and pages.</summary>
public sealed class CatalogQueries(IInstanceCatalog catalog)
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>Every known type by name, priced for <paramref name="region"/> (default us-east-1).</summary>
    public IReadOnlyList<InstanceTypeSummary> List(string? region = null)
    {
        var r = string.IsNullOrWhiteSpace(region) ? DefaultRegion : region.Trim();
        return catalog.All
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t =>
            {
                var price = catalog.OnDemandPrice(t.Name, r);
                return new InstanceTypeSummary(t.Name, t.Vcpus, t.MemoryMib, t.Gpus, t.Architectures,
                    price?.UsdPerHour, price?.Source.ToString(), price?.PricedRegion);
            })
            .ToList();
    }
}
