namespace BatchInsights.Core.Recommendations;

public sealed class SpotBidRule : IRecommendationRule
{
    public const string RuleId = "spot-bid";

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input) => [];
}
