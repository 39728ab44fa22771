using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// One immutable state of the catalog: specs by type name, where they came from, and Linux On-Demand
/// prices by region then type. Replaced as a whole, so readers never see half a refresh.
/// </summary>
internal sealed record CatalogSnapshot(
    IReadOnlyDictionary<string, InstanceTypeSnapshot> Types,
    string SpecsSource,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, OnDemandPrice>> PricesByRegion);
