using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Catalog;

/// <summary>Where an On-Demand price came from.</summary>
public enum PriceSource
{
    /// <summary>The AWS Price List API (GetProducts), fetched by a refresh.</summary>
    Api,

    /// <summary>The snapshot shipped inside the app (Catalog/Data/instance-types.csv, us-east-1 Linux).</summary>
    EmbeddedSnapshot,
}

/// <summary>
/// A Linux On-Demand price in USD per hour. <paramref name="PricedRegion"/> is the region the figure is for:
/// it differs from the region asked about when only the embedded us-east-1 price is known (an approximation).
/// </summary>
public sealed record OnDemandPrice(decimal UsdPerHour, PriceSource Source, string PricedRegion);

/// <summary>
/// Instance types and their On-Demand prices, read from an immutable snapshot that a refresh replaces
/// as a whole. Never empty: it starts from the embedded snapshot and a failed refresh keeps the last
/// known good one (as Karpenter's pricing provider does).
/// </summary>
public interface IInstanceCatalog
{
    /// <summary>Every known instance type, by name (ordinal).</summary>
    IReadOnlyCollection<InstanceTypeSnapshot> All { get; }

    /// <summary>Where the specs came from: the embedded snapshot, or DescribeInstanceTypes (of which target, when).</summary>
    string SpecsSource { get; }

    bool TryGet(string instanceType, out InstanceTypeSnapshot spec);

    /// <summary>The Linux On-Demand price of a type in a region, or null when no price is known for the type.</summary>
    OnDemandPrice? OnDemandPrice(string instanceType, string region);

    /// <summary>
    /// The AZs of <paramref name="region"/> that offer <paramref name="instanceType"/> (empty: offered in none of them), or null
    /// while the region's offerings were never read.
    /// </summary>
    IReadOnlySet<string>? OfferedZones(string instanceType, string region);
}

/// <summary>
/// The seam for the AWS Price List API client (GetProducts, JSON 1.1; see <see cref="PricingApiClient"/>): Linux, shared tenancy,
/// On-Demand, pre-installed software NA, capacity status Used — Karpenter's filters.
/// </summary>
public interface IOnDemandPriceSource
{
    /// <summary>USD per hour by instance type for one region; throws <see cref="AwsApiException"/> on failure.</summary>
    Task<IReadOnlyDictionary<string, decimal>> GetLinuxOnDemandPricesAsync(string region, CancellationToken cancellationToken);
}
