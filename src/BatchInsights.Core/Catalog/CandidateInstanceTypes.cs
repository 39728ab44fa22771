namespace BatchInsights.Core.Catalog;

/// <summary>
/// Expands a compute environment's <c>instanceTypes</c> into concrete instance types: "m5.large" stays,
/// a family ("m5") becomes every type of it in the catalog, and Batch's bundles become their families.
/// </summary>
public static class CandidateInstanceTypes
{
    public const string Optimal = "optimal";
    public const string DefaultX8664 = "default_x86_64";
    public const string DefaultArm64 = "default_arm64";

    // AWS Batch ComputeResource.instanceTypes: default_x86_64 = m6i, c6i, r6i, c7i; default_arm64 = m6g, c6g,
    // r6g, c7g. optimal = c4, m4, r4, c5, m5, r5, and since 2025-11-01 it is being moved to default_x86_64's
    // families: a CE may be on either side of that change, so both count as candidates.
    private static readonly string[] DefaultX8664Families = ["m6i", "c6i", "r6i", "c7i"];
    private static readonly string[] DefaultArm64Families = ["m6g", "c6g", "r6g", "c7g"];
    private static readonly string[] OptimalFamilies = ["c4", "m4", "r4", "c5", "m5", "r5", .. DefaultX8664Families];

    /// <summary>Expands stored lists (comma-separated, as in <c>compute_environments.InstanceTypes</c>); sorted, distinct.</summary>
    public static IReadOnlyList<string> FromStored(IEnumerable<string> storedLists, IInstanceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(storedLists);
        return Expand(storedLists.SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), catalog);
    }

    /// <summary>
    /// Expands entries into instance types, sorted and distinct. A named type is kept even when the catalog does
    /// not know it (AWS may be newer than our snapshot); a family or bundle yields only the types the catalog knows.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> entries, IInstanceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (families, types) = Split(entries);
        if (families.Count > 0)
        {
            types.UnionWith(catalog.All.Where(t => families.Contains(t.Family)).Select(t => t.Name));
        }

        return [.. types];
    }

    /// <summary>
    /// Splits a CE's entries into named types ("m5.large") and families ("m5"), Batch's bundles (optimal, default_*)
    /// resolved to their families; callers turn families into the types of their catalog.
    /// </summary>
    public static (HashSet<string> Families, SortedSet<string> Types) Split(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var families = new HashSet<string>(StringComparer.Ordinal);
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in entries)
        {
            var entry = raw.Trim().ToLowerInvariant();
            switch (entry)
            {
                case "":
                    break;
                case Optimal:
                    families.UnionWith(OptimalFamilies);
                    break;
                case DefaultX8664:
                    families.UnionWith(DefaultX8664Families);
                    break;
                case DefaultArm64:
                    families.UnionWith(DefaultArm64Families);
                    break;
                default:
                    if (entry.Contains('.', StringComparison.Ordinal))
                    {
                        types.Add(entry);
                    }
                    else
                    {
                        families.Add(entry);
                    }

                    break;
            }
        }

        return (families, types);
    }
}
