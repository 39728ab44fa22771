using BatchInsights.Core.Apply;
using BatchInsights.Core.Recommendations;

namespace BatchInsights.Tests.Apply;

public sealed class FromRecommendationTests
{
    private static Recommendation Rec(RecommendationTargetKind kind, params ProposedChange[] changes) => new(
        "rule", new RecommendationTarget("sandbox", "us-east-1", kind, "spot-bid60"), "t", "s", changes, SavingsEstimate.None,
        RecommendationConfidence.High, RecommendationSeverity.Warning, [], [], "b");

    [Fact]
    public void FromRecommendation_InstanceTypesStrategyAndUnsetBid_GivesTheUpdateRequest()
    {
        var change = ApplyService.FromRecommendation(Rec(RecommendationTargetKind.ComputeEnvironment,
            new ProposedChange("computeResources.instanceTypes", "m5,c5", "c6i, m6i"),
            new ProposedChange("computeResources.allocationStrategy", ProposedChange.Unset, "SPOT_PRICE_CAPACITY_OPTIMIZED"),
            new ProposedChange("computeResources.bidPercentage", "60", ProposedChange.Unset),
            new ProposedChange("computeResources.maxvCpus", "256", "512")));

        Assert.True(change.IsAppliable);
        Assert.Equal(["c6i", "m6i"], change.Update!.InstanceTypes);
        Assert.Equal(("SPOT_PRICE_CAPACITY_OPTIMIZED", 100, 512), (change.Update.AllocationStrategy, change.Update.BidPercentage, change.Update.MaxvCpus));
        Assert.Equal("spot-bid60", change.Update.ComputeEnvironment);
    }

    [Fact]
    public void FromRecommendation_VpcChange_IsNotAppliableAndSaysWhy()
    {
        var change = ApplyService.FromRecommendation(Rec(RecommendationTargetKind.Vpc, new ProposedChange("vpcEndpoints", "(none)", "s3")));

        Assert.False(change.IsAppliable);
        Assert.Contains("VPC change", change.NotAppliable, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRecommendation_CeTypeSwitchBesideTypes_IsNotHalfApplied()
    {
        var change = ApplyService.FromRecommendation(Rec(RecommendationTargetKind.ComputeEnvironment,
            new ProposedChange("computeResources.instanceTypes", "m5", "c6i"), new ProposedChange("computeResources.type", "SPOT", "EC2")));

        Assert.Null(change.Update);
        Assert.Contains("computeResources.type", change.NotAppliable, StringComparison.Ordinal);
    }
}
