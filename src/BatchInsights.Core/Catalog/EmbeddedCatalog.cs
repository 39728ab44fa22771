using System.Globalization;
using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// Reads the snapshot shipped in the assembly (Catalog/Data/instance-types.csv; its source is in
/// Catalog/Data/README.md): 1,263 instance types with their us-east-1 Linux On-Demand prices.
/// </summary>
internal static class EmbeddedCatalog
{
    /// <summary>The region the embedded prices are for.</summary>
    public const string PricedRegion = "us-east-1";

    private const string ResourceName = "BatchInsights.Core.Catalog.Data.instance-types.csv";

    private static readonly string[] ExpectedHeader =
    [
        "instance_type", "family", "size", "current_generation", "vcpu", "memory_mib", "gpu_count", "gpu_model",
        "gpu_memory_mib", "architectures", "burstable", "bare_metal", "usage_classes", "network_performance",
        "instance_storage_gb", "ondemand_usd_per_hour_us_east_1",
    ];

    private static readonly Lazy<CatalogSnapshot> Cached = new(() =>
    {
        using var stream = typeof(EmbeddedCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    });

    public static CatalogSnapshot Snapshot => Cached.Value;

    /// <summary>Parses the CSV (no quoting: the file has none; a changed header fails loudly).</summary>
    internal static CatalogSnapshot Parse(TextReader reader)
    {
        var header = reader.ReadLine()?.Split(',') ?? [];
        if (!header.SequenceEqual(ExpectedHeader, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"instance-types.csv header is '{string.Join(',', header)}', expected '{string.Join(',', ExpectedHeader)}'.");
        }

        var types = new Dictionary<string, InstanceTypeSnapshot>(StringComparer.Ordinal);
        var prices = new Dictionary<string, OnDemandPrice>(StringComparer.Ordinal);
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split(',');
            if (f.Length != ExpectedHeader.Length)
            {
                throw new InvalidDataException($"instance-types.csv line {lineNumber} has {f.Length} fields, expected {ExpectedHeader.Length}.");
            }

            var usage = f[12].Split(';', StringSplitOptions.RemoveEmptyEntries);
            var spec = new InstanceTypeSnapshot(
                Name: f[0],
                Family: f[1],
                Size: f[2],
                CurrentGeneration: bool.Parse(f[3]),
                Vcpus: int.Parse(f[4], CultureInfo.InvariantCulture),
                MemoryMib: long.Parse(f[5], CultureInfo.InvariantCulture),
                Gpus: int.Parse(f[6], CultureInfo.InvariantCulture),
                GpuModel: f[7].Length == 0 ? null : f[7],
                GpuMemoryMib: long.Parse(f[8], CultureInfo.InvariantCulture),
                Architectures: f[9].Split(';', StringSplitOptions.RemoveEmptyEntries),
                Burstable: bool.Parse(f[10]),
                BareMetal: bool.Parse(f[11]),
                SupportsSpot: usage.Contains("spot", StringComparer.Ordinal),
                SupportsOnDemand: usage.Contains("on-demand", StringComparer.Ordinal));
            types[spec.Name] = spec;
            if (f[15].Length > 0)
            {
                prices[spec.Name] = new OnDemandPrice(decimal.Parse(f[15], NumberStyles.Number, CultureInfo.InvariantCulture), PriceSource.EmbeddedSnapshot, PricedRegion);
            }
        }

        return new CatalogSnapshot(
            types,
            "embedded snapshot (moto 5.2.1 DescribeInstanceTypes; Karpenter us-east-1 prices of 2026-07-20)",
            new Dictionary<string, IReadOnlyDictionary<string, OnDemandPrice>>(StringComparer.Ordinal) { [PricedRegion] = prices });
    }
}
