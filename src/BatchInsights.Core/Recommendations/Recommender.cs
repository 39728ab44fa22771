namespace BatchInsights.Core.Recommendations;

/// <summary>Runs every rule over one input; pure. Results sorted by savings, largest first.</summary>
public sealed class Recommender(IEnumerable<IRecommendationRule> rules)
{
    public IReadOnlyList<IRecommendationRule> Rules { get; } = rules.ToList();

    public IReadOnlyList<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Rules are pure and independent: evaluate them side by side (the instance-types rule leaves a core idle while
        // its last CE finishes), then merge in rule order so the result does not depend on which finished first.
        var results = new IReadOnlyList<Recommendation>[Rules.Count];
        Parallel.For(0, Rules.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            i => results[i] = Rules[i].Evaluate(input).ToList());
        return results.SelectMany(r => r)
            .OrderByDescending(r => r.Savings.MonthlyUsd)
            .ThenBy(r => r.RuleId, StringComparer.Ordinal)
            .ThenBy(r => r.Target.Name, StringComparer.Ordinal)
            .ToList();
    }
}
