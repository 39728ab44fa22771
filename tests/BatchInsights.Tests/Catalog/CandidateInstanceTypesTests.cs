using BatchInsights.Core.Catalog;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Catalog;

public sealed class CandidateInstanceTypesTests
{
    private static readonly InstanceCatalog Catalog = new(NullLogger<InstanceCatalog>.Instance, TimeProvider.System);

    [Fact]
    public void Expand_Family_GivesEveryTypeOfThatFamilyOnly()
    {
        var types = CandidateInstanceTypes.Expand(["m5"], Catalog);

        Assert.Contains("m5.large", types);
        Assert.Contains("m5.24xlarge", types);
        Assert.Contains("m5.metal", types);
        Assert.DoesNotContain(types, t => !t.StartsWith("m5.", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_Optimal_GivesTheDocumentedCmrFamilies()
    {
        var types = CandidateInstanceTypes.Expand(["optimal"], Catalog);
        var families = types.Select(t => t.Split('.')[0]).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(["c4", "c5", "c6i", "c7i", "m4", "m5", "m6i", "r4", "r5", "r6i"], families);
    }

    [Fact]
    public void FromStored_CommaSeparatedListsWithSpacesAndRepeats_GivesSortedDistinctTypes()
    {
        var types = CandidateInstanceTypes.FromStored(["c5.xlarge, M5.large", "m5.large,,x99.large", "default_arm64"], Catalog);

        Assert.Equal("c5.xlarge", types[0]);
        Assert.Single(types, t => t == "m5.large");
        Assert.Contains("x99.large", types); // unknown to the snapshot, still asked about
        Assert.Contains("c7g.large", types);
        Assert.Contains("r6g.large", types);
        Assert.Equal(types.Order(StringComparer.Ordinal), types);
    }

    [Fact]
    public void FromStored_NothingStored_GivesNothing()
    {
        Assert.Empty(CandidateInstanceTypes.FromStored([], Catalog));
    }
}
