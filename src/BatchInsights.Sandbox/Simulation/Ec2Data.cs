using System.IO.Compression;
using System.Text.Json;

namespace BatchInsights.Sandbox.Simulation;

/// <summary>
/// EC2 reference data the sandbox serves: DescribeInstanceTypes items (Data/describe-instance-types.json.gz, moto 5.2.1,
/// captured from AWS, Apache-2.0) and which types each AZ offers (Data/instance-type-offerings-by-az.json.gz, moto 5.2.1).
/// </summary>
internal sealed class Ec2Data
{
    private static readonly Lazy<Ec2Data> Lazy = new(Load);

    private Ec2Data(JsonDocument types, Dictionary<string, Dictionary<string, HashSet<string>>> offerings)
    {
        // The elements keep the (never disposed, process-lifetime) document alive.
        InstanceTypes = types.RootElement.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (p.Name, p.Value))
            .ToList();
        ByName = InstanceTypes.ToDictionary(t => t.Name, t => t.Info, StringComparer.Ordinal);
        Offerings = offerings;
    }

    public static Ec2Data Default => Lazy.Value;

    /// <summary>Every instance type in DescribeInstanceTypes' PascalCase JSON shape, ordered by name.</summary>
    public IReadOnlyList<(string Name, JsonElement Info)> InstanceTypes { get; }

    public IReadOnlyDictionary<string, JsonElement> ByName { get; }

    /// <summary>region → AZ name → instance types offered there (us-east-1, us-west-2, eu-west-1 only).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, HashSet<string>>> Offerings { get; }

    /// <summary>The AZs of a region: from the offerings data, else the region's a, b and c.</summary>
    public IReadOnlyList<string> DefaultZones(string region) =>
        Offerings.TryGetValue(region, out var zones)
            ? zones.Keys.Order(StringComparer.Ordinal).ToList()
            : [region + "a", region + "b", region + "c"];

    /// <summary>Whether a type is offered in an AZ; unknown regions or AZs offer everything.</summary>
    public bool IsOffered(string region, string zone, string instanceType) =>
        !Offerings.TryGetValue(region, out var zones) || !zones.TryGetValue(zone, out var types) || types.Contains(instanceType);

    /// <summary>
    /// The instance types offered in an AZ, ordered by name: the offerings data's, or (an unknown region or AZ, as in
    /// <see cref="IsOffered"/>) every type.
    /// </summary>
    public IEnumerable<string> OfferedTypes(string region, string zone) =>
        Offerings.TryGetValue(region, out var zones) && zones.TryGetValue(zone, out var types)
            ? types.Order(StringComparer.Ordinal)
            : InstanceTypes.Select(t => t.Name);

    /// <summary>
    /// A zone id in AWS's form (use1-az1). Real accounts map letters to ids in a per-account shuffle; the sandbox keeps
    /// letter order, which is one valid mapping.
    /// </summary>
    public static string ZoneId(string region, string zone)
    {
        var parts = region.Split('-');
        if (parts.Length != 3 || zone.Length <= region.Length) return zone;
        var direction = parts[1] switch
        {
            "north" => "n", "south" => "s", "east" => "e", "west" => "w", "central" => "c",
            "northeast" => "ne", "northwest" => "nw", "southeast" => "se", "southwest" => "sw",
            _ => parts[1][..1],
        };
        var letter = zone[region.Length];
        return $"{parts[0]}{direction}{parts[2]}-az{letter - 'a' + 1}";
    }

    private static Ec2Data Load()
    {
        JsonDocument types;
        using (var gz = new GZipStream(EmbeddedData.Open("describe-instance-types.json.gz"), CompressionMode.Decompress))
        {
            types = JsonDocument.Parse(gz);
        }

        var offerings = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        using (var gz = new GZipStream(EmbeddedData.Open("instance-type-offerings-by-az.json.gz"), CompressionMode.Decompress))
        using (var doc = JsonDocument.Parse(gz))
        {
            foreach (var region in doc.RootElement.EnumerateObject())
            {
                var zones = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                foreach (var o in region.Value.EnumerateArray())
                {
                    var zone = o.GetProperty("Location").GetString()!;
                    if (!zones.TryGetValue(zone, out var set)) zones[zone] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(o.GetProperty("InstanceType").GetString()!);
                }

                offerings[region.Name] = zones;
            }
        }

        return new Ec2Data(types, offerings);
    }
}
