using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// One immutable state of the catalog: specs by type name, where they came from, and Linux On-Demand
/// prices by region then type. Replaced as a whole, so readers never see half a refresh.
/// </summary>
internal sealed record CatalogSnapshot(
    IReadOnlyDictionary<string, InstanceTypeSnapshot> Types,
    string SpecsSource,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, OnDemandPrice>> PricesByRegion)
{
    /// <summary>
    /// Per region, the AZs that offer each type (DescribeInstanceTypeOfferings). A region is absent until a refresh read
    /// it: nothing ships embedded, because stale offerings would rule out types AWS has since added to an AZ.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>> ZonesByRegion { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>(StringComparer.Ordinal);
}
