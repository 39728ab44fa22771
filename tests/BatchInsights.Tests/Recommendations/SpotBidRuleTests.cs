using BatchInsights.Core.Recommendations;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class SpotBidRuleTests
{
    private static IReadOnlyList<SpotPriceSeries> Pools()
    {
        var od = OnDemand("m5.large");
        // 30 % of On-Demand most of the time, 70 % for the last quarter of the window: above a 60 % cap 25 % of the time.
        return [Pool("m5.large", "us-east-1a", od, 0.30m, 0.70m, 0.25), Pool("m5.large", "us-east-1b", od, 0.30m, 0.30m, 0)];
    }

    [Fact]
    public void Evaluate_Bid60_RecommendsUnsetWithBlockedTimeEvidence()
    {
        var input = Input([Ce("spot", "SPOT", ["m5.large"], bid: 60, strategy: "SPOT_CAPACITY_OPTIMIZED")], [Queue(ce: "spot")], Jobs(100, 2, 4_000, ce: "spot"), spot: Pools());

        var r = Assert.Single(new SpotBidRule().Evaluate(input));

        var bid = Assert.Single(r.Changes, c => c.FieldPath == "computeResources.bidPercentage");
        Assert.Equal(("60", ProposedChange.Unset), (bid.CurrentValue, bid.ProposedValue));
        var strategy = Assert.Single(r.Changes, c => c.FieldPath == "computeResources.allocationStrategy");
        Assert.Equal(SpotBidRule.PriceCapacityOptimized, strategy.ProposedValue);
        var curve = Assert.Single(r.Evidence, e => e.Kind == EvidenceKind.Series);
        var above = curve.Series.Single(s => s.Name.StartsWith("Time above", StringComparison.Ordinal)).Values;
        Assert.Equal(12.5, above[5], 1); // cap 60 %: one pool above for a quarter, the other never
        Assert.Equal(0, above[9]);       // cap 100 %: never
        Assert.True(r.Savings.MonthlyUsd > 0);
        Assert.Equal(0, r.Savings.LowUsd);
    }

    [Fact]
    public void Evaluate_PoolsOutsideTheCesAzs_AreNoEvidence()
    {
        // us-east-1a is above the 60 % cap a quarter of the time, us-east-1b never; the CE launches only in us-east-1b.
        var ce = Ce("spot", "SPOT", ["m5.large"], bid: 60, strategy: "SPOT_CAPACITY_OPTIMIZED") with { AvailabilityZones = ["us-east-1b"] };
        var input = Input([ce], [Queue(ce: "spot")], Jobs(100, 2, 4_000, ce: "spot"), spot: Pools());

        var r = Assert.Single(new SpotBidRule().Evaluate(input));

        var pools = Assert.Single(r.Evidence, e => e.Title == "Pools of this CE");
        Assert.Equal("us-east-1b m5.large", Assert.Single(pools.Rows)[0]);
        var curve = Assert.Single(r.Evidence, e => e.Kind == EvidenceKind.Series);
        Assert.Equal(0, curve.Series.Single(s => s.Name.StartsWith("Time above", StringComparison.Ordinal)).Values[5]);
        Assert.Contains(r.Assumptions, a => a.Contains("the CE's AZs (us-east-1b)", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_BudgetCapInConfig_RecommendsThatCap()
    {
        var input = Input([Ce("spot", "SPOT", ["m5.large"], strategy: SpotBidRule.PriceCapacityOptimized)], [Queue(ce: "spot")], Jobs(100, 2, 4_000, ce: "spot"),
            spot: Pools(), settings: new RecommendationSettings(SpotBudgetCapPercent: 50));

        var r = Assert.Single(new SpotBidRule().Evaluate(input));

        var bid = Assert.Single(r.Changes);
        Assert.Equal(("computeResources.bidPercentage", ProposedChange.Unset, "50"), (bid.FieldPath, bid.CurrentValue, bid.ProposedValue));
        Assert.Contains("SpotBudgetCapPercent = 50", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Evidence, e => e.Kind == EvidenceKind.Series);
    }

    [Fact]
    public void Evaluate_UncappedPriceCapacityOptimized_NoRecommendation()
    {
        var input = Input([Ce("spot", "SPOT", ["m5.large"], strategy: SpotBidRule.PriceCapacityOptimized)], [Queue(ce: "spot")], Jobs(10, 2, 4_000, ce: "spot"), spot: Pools());

        Assert.Empty(new SpotBidRule().Evaluate(input));
    }

    [Fact]
    public void Point_CapBelowPrice_PaysMarketPriceOnlyWhileRunning()
    {
        var od = OnDemand("m5.large");
        var pools = new[] { Pool("m5.large", "us-east-1a", od, 0.30m, 0.70m, 0.5) };

        var capped = SpotBidRule.Point(50, pools, new Dictionary<string, decimal> { ["m5.large"] = od }, FromMs, NowMs);
        var open = SpotBidRule.Point(100, pools, new Dictionary<string, decimal> { ["m5.large"] = od }, FromMs, NowMs);

        Assert.Equal(0.5, capped.ShareAboveCap, 3);
        Assert.Equal(30m, decimal.Round(capped.PaidPercentOfOnDemand));
        Assert.Equal(50m, decimal.Round(open.PaidPercentOfOnDemand));
    }
}
