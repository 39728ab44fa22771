using System.Globalization;

namespace BatchInsights.Sandbox.Simulation;

internal sealed record InstanceTypeInfo(string Name, string Family, int Vcpus, int MemoryMiB, int Gpus)
{
    public bool CurrentGeneration { get; init; }

    /// <summary>Linux On-Demand $/hour in us-east-1 (karpenter's generated price list); null where unknown.</summary>
    public double? OnDemandUsd { get; init; }

    public bool SpotSupported { get; init; } = true;
}

/// <summary>EC2 instance specs (Data/instance-types.csv, from moto 5.2.1's DescribeInstanceTypes data).</summary>
internal sealed class InstanceCatalog
{
    private static readonly Lazy<InstanceCatalog> Lazy = new(LoadEmbedded);

    // AWS documents "optimal" as the M4/C4/R4 families, or C5/M5/R5 where those are not offered; we use the latter.
    private static readonly string[] OptimalFamilies = ["c5", "m5", "r5"];

    private readonly Dictionary<string, InstanceTypeInfo> _byName;
    private readonly Dictionary<string, List<InstanceTypeInfo>> _byFamily;

    private InstanceCatalog(IEnumerable<InstanceTypeInfo> types)
    {
        _byName = types.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _byFamily = _byName.Values.GroupBy(t => t.Family, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Vcpus).ThenBy(t => t.MemoryMiB).ToList(), StringComparer.Ordinal);
    }

    public static InstanceCatalog Default => Lazy.Value;

    public IEnumerable<InstanceTypeInfo> All => _byName.Values;

    public InstanceTypeInfo? Find(string name) => _byName.GetValueOrDefault(name);

    public bool IsKnownTypeOrFamily(string entry) =>
        entry == "optimal" || _byName.ContainsKey(entry) || _byFamily.ContainsKey(entry);

    /// <summary>Expands a CE's instanceTypes (types, families, "optimal") into concrete types, smallest first.</summary>
    public IReadOnlyList<InstanceTypeInfo> Expand(IEnumerable<string> entries)
    {
        var result = new Dictionary<string, InstanceTypeInfo>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            IEnumerable<InstanceTypeInfo> found = entry == "optimal"
                ? OptimalFamilies.SelectMany(f => _byFamily.GetValueOrDefault(f) ?? [])
                : _byName.TryGetValue(entry, out var one) ? [one] : _byFamily.GetValueOrDefault(entry) ?? [];
            foreach (var t in found.Where(t => !t.Name.EndsWith(".metal", StringComparison.Ordinal)))
            {
                result.TryAdd(t.Name, t);
            }
        }

        return result.Values.OrderBy(t => t.Vcpus).ThenBy(t => t.MemoryMiB).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    private static InstanceCatalog LoadEmbedded()
    {
        using var stream = EmbeddedData.Open("instance-types.csv");
        using var reader = new StreamReader(stream);
        var header = reader.ReadLine()!.Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        int iName = Col("instance_type"), iFamily = Col("family"), iVcpu = Col("vcpu"), iMem = Col("memory_mib"), iGpu = Col("gpu_count");
        int iCurrent = Col("current_generation"), iUsage = Col("usage_classes"), iPrice = Col("ondemand_usd_per_hour_us_east_1");
        var list = new List<InstanceTypeInfo>();
        while (reader.ReadLine() is { } line)
        {
            // No field of this file holds a comma (checked: every line has 16 fields), so a plain split is safe.
            var f = line.Split(',');
            var price = f[iPrice];
            list.Add(new InstanceTypeInfo(
                f[iName], f[iFamily],
                int.Parse(f[iVcpu], CultureInfo.InvariantCulture),
                int.Parse(f[iMem], CultureInfo.InvariantCulture),
                int.Parse(f[iGpu], CultureInfo.InvariantCulture))
            {
                CurrentGeneration = f[iCurrent] == "True",
                SpotSupported = f[iUsage].Contains("spot", StringComparison.Ordinal),
                OnDemandUsd = price.Length > 0 ? double.Parse(price, CultureInfo.InvariantCulture) : null,
            });
        }

        return new InstanceCatalog(list);
    }
}

internal static class EmbeddedData
{
    public static Stream Open(string fileName) =>
        typeof(EmbeddedData).Assembly.GetManifestResourceStream($"BatchInsights.Sandbox.Data.{fileName}")
        ?? throw new InvalidOperationException($"Embedded data file '{fileName}' is missing from the sandbox assembly.");
}
