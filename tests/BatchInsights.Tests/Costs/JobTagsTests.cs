using BatchInsights.Core.Costs;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Tests.Costs;

/// <summary>Job tags are stored (for the cost roll-ups' tag dimension) in a stable form.</summary>
public sealed class JobTagsTests
{
    [Fact]
    public void TagsToJson_UnorderedTags_SortsKeysSoUnchangedJobsCompareEqual()
    {
        var a = JobMapping.TagsToJson(new Dictionary<string, string> { ["team"] = "red", ["project"] = "x" });
        var b = JobMapping.TagsToJson(new Dictionary<string, string> { ["project"] = "x", ["team"] = "red" });

        Assert.Equal("{\"project\":\"x\",\"team\":\"red\"}", a);
        Assert.Equal(a, b);
        Assert.Null(JobMapping.TagsToJson(new Dictionary<string, string>()));
    }

    [Fact]
    public void ParseTags_StoredJson_RoundTrips()
    {
        var tags = CostRollupService.ParseTags("{\"team\":\"red\"}");

        Assert.Equal("red", tags["team"]);
        Assert.Empty(CostRollupService.ParseTags(null));
    }
}
