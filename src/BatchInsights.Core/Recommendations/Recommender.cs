namespace BatchInsights.Core.Recommendations;

/// <summary>Runs every rule over one input; pure. Results sorted by savings, largest first.</summary>
public sealed class Recommender(IEnumerable<IRecommendationRule> rules)
{
    public IReadOnlyList<IRecommendationRule> Rules { get; } = rules.ToList();

    public IReadOnlyList<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Rules.SelectMany(r => r.Evaluate(input))
            .OrderByDescending(r => r.Savings.MonthlyUsd)
            .ThenBy(r => r.RuleId, StringComparer.Ordinal)
            .ThenBy(r => r.Target.Name, StringComparer.Ordinal)
            .ToList();
    }
}
