using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BatchInsights.Sandbox.Simulation;

/// <summary>One EC2 product of the Price List API: the attributes filters match on, and the document served.</summary>
internal sealed record PricingProduct(string ProductFamily, IReadOnlyDictionary<string, string> Attributes, string Document);

/// <summary>
/// The Price List API's AmazonEC2 products as the sandbox serves them: one Linux, shared-tenancy, On-Demand,
/// capacity-status "Used" product per instance type with a price in Data/instance-types.csv (us-east-1 prices).
/// Other regions get the us-east-1 price times a flat regional multiplier (<see cref="RegionMultipliers"/>):
/// a simplification, since real regional differences vary by family. Regions not in that table have no products,
/// as the real API answers an empty PriceList for a region code it does not know.
/// </summary>
internal sealed class PricingCatalog
{
    /// <summary>
    /// Multiplier over us-east-1, from m5.large's published Linux On-Demand price in each region
    /// (us-east-1 $0.096; eu-west-1 $0.107; eu-central-1 $0.115; us-west-1 $0.112; ap-south-1 $0.101;
    /// ap-northeast-1 $0.124; ap-southeast-1 $0.120), rounded.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Location, decimal Multiplier)> RegionMultipliers =
        new Dictionary<string, (string, decimal)>(StringComparer.Ordinal)
        {
            ["us-east-1"] = ("US East (N. Virginia)", 1.000m),
            ["us-east-2"] = ("US East (Ohio)", 1.000m),
            ["us-west-2"] = ("US West (Oregon)", 1.000m),
            ["us-west-1"] = ("US West (N. California)", 1.167m),
            ["eu-west-1"] = ("EU (Ireland)", 1.115m),
            ["eu-central-1"] = ("EU (Frankfurt)", 1.198m),
            ["ap-south-1"] = ("Asia Pacific (Mumbai)", 1.052m),
            ["ap-northeast-1"] = ("Asia Pacific (Tokyo)", 1.292m),
            ["ap-southeast-1"] = ("Asia Pacific (Singapore)", 1.250m),
        };

    private const string PublicationDate = "2026-11-01T00:00:00Z";
    private const string OnDemandTermCode = "JRTCKXETXF";
    private const string HourlyRateCode = "6YS6EN2CT7";

    private readonly ConcurrentDictionary<string, IReadOnlyList<PricingProduct>> _byRegion = new(StringComparer.Ordinal);
    private readonly InstanceCatalog _instances;

    public PricingCatalog(InstanceCatalog instances) => _instances = instances;

    /// <summary>The region's EC2 products, ordered by instance type (stable, so NextToken offsets stay valid).</summary>
    public IReadOnlyList<PricingProduct> Products(string region) =>
        _byRegion.GetOrAdd(region, r => RegionMultipliers.TryGetValue(r, out var info) ? Build(r, info.Location, info.Multiplier) : []);

    /// <summary>Every region's products: what a GetProducts call without a regionCode filter searches.</summary>
    public IEnumerable<PricingProduct> All => RegionMultipliers.Keys.SelectMany(Products);

    private List<PricingProduct> Build(string region, string location, decimal multiplier) =>
        _instances.All
            .Where(t => t.OnDemandUsd is > 0)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => Product(t, region, location, Math.Round((decimal)t.OnDemandUsd!.Value * multiplier, 4)))
            .ToList();

    private static PricingProduct Product(InstanceTypeInfo type, string region, string location, decimal usd)
    {
        var sku = Sku(type.Name, region);
        var family = type.Name.Contains(".metal", StringComparison.Ordinal) ? "Compute Instance (bare metal)" : "Compute Instance";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["servicecode"] = "AmazonEC2",
            ["location"] = location,
            ["locationType"] = "AWS Region",
            ["regionCode"] = region,
            ["instanceType"] = type.Name,
            ["instanceFamily"] = type.Gpus > 0 ? "GPU instance" : "General purpose",
            ["currentGeneration"] = type.CurrentGeneration ? "Yes" : "No",
            ["vcpu"] = type.Vcpus.ToString(CultureInfo.InvariantCulture),
            ["memory"] = string.Create(CultureInfo.InvariantCulture, $"{type.MemoryMiB / 1024.0:0.###} GiB"),
            ["tenancy"] = "Shared",
            ["operatingSystem"] = "Linux",
            ["licenseModel"] = "No License required",
            ["usagetype"] = "BoxUsage:" + type.Name,
            ["operation"] = "RunInstances",
            ["capacitystatus"] = "Used",
            ["preInstalledSw"] = "NA",
            ["marketoption"] = "OnDemand",
            ["servicename"] = "Amazon Elastic Compute Cloud",
        };

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("product");
            w.WriteString("productFamily", family);
            w.WriteStartObject("attributes");
            foreach (var (name, value) in attributes) w.WriteString(name, value);
            w.WriteEndObject();
            w.WriteString("sku", sku);
            w.WriteEndObject();
            w.WriteString("serviceCode", "AmazonEC2");
            w.WriteStartObject("terms");
            w.WriteStartObject("OnDemand");
            w.WriteStartObject($"{sku}.{OnDemandTermCode}");
            w.WriteStartObject("priceDimensions");
            w.WriteStartObject($"{sku}.{OnDemandTermCode}.{HourlyRateCode}");
            w.WriteString("unit", "Hrs");
            w.WriteString("endRange", "Inf");
            w.WriteString("description", string.Create(CultureInfo.InvariantCulture, $"${usd:0.000} per On Demand Linux {type.Name} Instance Hour"));
            w.WriteStartArray("appliesTo");
            w.WriteEndArray();
            w.WriteString("rateCode", $"{sku}.{OnDemandTermCode}.{HourlyRateCode}");
            w.WriteString("beginRange", "0");
            w.WriteStartObject("pricePerUnit");
            w.WriteString("USD", usd.ToString("0.0000000000", CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("sku", sku);
            w.WriteString("effectiveDate", PublicationDate);
            w.WriteString("offerTermCode", OnDemandTermCode);
            w.WriteStartObject("termAttributes");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("version", "20261101000000");
            w.WriteString("publicationDate", PublicationDate);
            w.WriteEndObject();
        }

        return new PricingProduct(family, attributes, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>A stable 16-character SKU per type and region, shaped like AWS's.</summary>
    private static string Sku(string type, string region)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{region}/{type}"));
        const string alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[hash[i] % alphabet.Length];
        return new string(chars);
    }
}
