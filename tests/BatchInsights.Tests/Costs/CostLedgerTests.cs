using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;

namespace BatchInsights.Tests.Costs;

public sealed class CostLedgerTests
{
    private const long H = CostAttribution.HourMs;
    private const long Day = 24 * H;
    private const long D0 = 1_699_920_000_000; // 2023-11-14T00:00Z, a UTC day boundary
    private static readonly string[] TagKeys = ["team", "project"];

    private static CostInstance Instance(string id, string ce, long start, long end, string lifecycle, decimal price) =>
        new(id, "m5.xlarge", "us-east-1a", lifecycle, ce, start, end, new Capacity(4, 16_384, 0), [new PriceSegment(0, price), new PriceSegment(start + (H / 3), price * 1.5m)], Estimated: false);

    private static PlacedAttempt OnInstance(string job, string instanceId, string queue, string team, double vcpus, long mem, long start, long stop, string? share = null) =>
        new(new CostAttempt(new AttemptKey("123", "us-east-1", job, 0), vcpus, mem, 0, start, stop),
            new CostContext("ce-" + instanceId, queue, "def-" + queue, share ?? "", new Dictionary<string, string> { ["team"] = team }),
            instanceId);

    /// <summary>Two instances across a day boundary, three queues, two teams, a Fargate job and an estimated job.</summary>
    private static CostLedgerResult BuildSample()
    {
        var instances = new[]
        {
            new LedgerInstance(Instance("i-a", "ce-i-a", D0 + (22 * H), D0 + Day + (3 * H) + 17_123, CostLifecycle.Spot, 0.07m), null),
            new LedgerInstance(Instance("i-b", "ce-i-b", D0 + (5 * H), D0 + (5 * H) + 20_000, CostLifecycle.OnDemand, 0.192m), null),
        };
        var placed = new[]
        {
            OnInstance("j1", "i-a", "q1", "red", 1, 2048, D0 + (22 * H) + 60_000, D0 + Day + H, "s1"),
            OnInstance("j2", "i-a", "q2", "blue", 0.5, 12_288, D0 + (23 * H), D0 + Day + (2 * H) + 999),
            OnInstance("j3", "i-a", "q1", "blue", 4, 1024, D0 + Day + (2 * H), D0 + Day + (3 * H)),
            OnInstance("j4", "i-b", "q3", "red", 2, 2048, D0 + (5 * H), D0 + (5 * H) + 5_000),
        };
        var lone = new[]
        {
            new LoneAttempt(new CostAttempt(new AttemptKey("123", "us-east-1", "f1", 0), 1, 2048, 0, D0 + (7 * H), D0 + (9 * H) + 1),
                new CostContext("fargate-ce", "q3", "def-f", "", new Dictionary<string, string>()), CostLifecycle.Fargate, null, null, null, [], FargateRates.OnDemand, true, "fargate-list-price"),
            new LoneAttempt(new CostAttempt(new AttemptKey("123", "us-east-1", "e1", 1), 2, 4096, 0, D0 + (10 * H), D0 + (10 * H) + 1_800_000),
                new CostContext("ce-i-b", "q3", "def-q3", "s1", new Dictionary<string, string> { ["project"] = "x" }), CostLifecycle.OnDemand, "m5.large", null,
                new Capacity(2, 8192, 0), [new PriceSegment(0, 0.096m)], null, true, "ce-cheapest-fitting-type"),
        };
        return CostLedger.Build("123", "us-east-1", D0, D0 + (2 * Day), TagKeys, instances, placed, lone);
    }

    [Fact]
    public void Build_HandMadeCase_AttemptsPlusIdleEqualInstanceCost()
    {
        var result = BuildSample();

        Assert.Equal(result.InstanceTotalUsd, result.AttemptTotalUsd + result.IdleTotalUsd);
        Assert.True(result.IdleTotalUsd > 0);
        var attemptMicros = result.AttemptCosts.Sum(a => a.CostMicroUsd);
        Assert.InRange(attemptMicros, CostLedger.ToMicros(result.AttemptTotalUsd) - result.AttemptCosts.Count, CostLedger.ToMicros(result.AttemptTotalUsd) + result.AttemptCosts.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(24)]
    public void Build_HandMadeCase_EveryGroupingSumsToTheInstanceTotal(int periodHours)
    {
        var result = BuildSample();
        var total = CostLedger.ToMicros(result.InstanceTotalUsd);

        foreach (var tagKey in TagKeys)
        {
            var view = result.Rollups.Where(r => r.PeriodHours == periodHours && r.TagKey == tagKey).ToList();
            // Each grouping (queue, CE, definition, tag value, share id) partitions the same rows, so each sums to the total.
            foreach (Func<CostRollupRow, string> dim in new Func<CostRollupRow, string>[] { r => r.QueueName, r => r.ComputeEnvironment, r => r.JobDefinition, r => r.TagValue, r => r.ShareIdentifier })
            {
                var byGroup = view.GroupBy(dim).Sum(g => g.Sum(r => r.CostMicroUsd));
                Assert.InRange(byGroup, total - view.Count, total + view.Count);
            }
        }

        // Per job: attempt rows plus idle rows.
        var perJob = result.AttemptCosts.GroupBy(a => a.JobId).Sum(g => g.Sum(a => a.CostMicroUsd))
            + result.Rollups.Where(r => r.PeriodHours == 24 && r.TagKey == "team" && r.IsIdle).Sum(r => r.CostMicroUsd);
        Assert.InRange(perJob, total - 20, total + 20);
    }

    [Fact]
    public void Build_TagKeys_SplitsByTagValueAndKeepsUntaggedAsEmpty()
    {
        var result = BuildSample();

        var teams = result.Rollups.Where(r => r.PeriodHours == 24 && r.TagKey == "team" && !r.IsIdle).Select(r => r.TagValue).Distinct().Order().ToList();

        Assert.Equal(["", "blue", "red"], teams);
        Assert.Equal("{\"team\":\"red\"}", result.AttemptCosts.Single(a => a.JobId == "j1").TagsJson);
    }

    [Fact]
    public void Build_EstimatedAttempts_CarryTheFlagIntoAttemptRowsAndRollups()
    {
        var result = BuildSample();

        var estimated = result.AttemptCosts.Where(a => a.Estimated).Select(a => a.JobId).Order().ToList();
        Assert.Equal(["e1", "f1"], estimated);
        Assert.Equal(CostLedger.ToMicros(0.048m), result.AttemptCosts.Single(a => a.JobId == "e1").CostMicroUsd);
        var estimatedMicros = result.AttemptCosts.Where(a => a.Estimated).Sum(a => a.CostMicroUsd);
        Assert.InRange(result.Rollups.Where(r => r.PeriodHours == 24 && r.TagKey == "team").Sum(r => r.EstimatedMicroUsd), estimatedMicros - 2, estimatedMicros + 2);
    }

    [Fact]
    public void Build_RollupsOutsideWindow_AreNotWrittenButAttemptTotalsAreWhole()
    {
        var instances = new[] { new LedgerInstance(Instance("i-a", "ce", D0 - H, D0 + H, CostLifecycle.OnDemand, 1m), null) };
        var placed = new[] { OnInstance("j", "i-a", "q", "t", 4, 1024, D0 - H, D0 + H) };

        var result = CostLedger.Build("123", "us-east-1", D0, D0 + Day, TagKeys, instances, placed, []);

        Assert.All(result.Rollups, r => Assert.True(r.PeriodStartMs >= D0));
        Assert.True(result.AttemptCosts[0].CostMicroUsd > result.Rollups.Where(r => r.PeriodHours == 24 && r.TagKey == "team").Sum(r => r.CostMicroUsd));
    }

    [Fact]
    public void DefinitionName_Arn_DropsRevision()
    {
        Assert.Equal("render", CostLedger.DefinitionName("arn:aws:batch:us-east-1:123:job-definition/render:12"));
        Assert.Equal("", CostLedger.DefinitionName(null));
    }
}
