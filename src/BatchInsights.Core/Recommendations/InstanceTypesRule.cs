namespace BatchInsights.Core.Recommendations;

public sealed class InstanceTypesRule : IRecommendationRule
{
    public const string RuleId = "instance-types";

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input) => [];
}
