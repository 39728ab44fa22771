using BatchInsights.Core.Recommendations;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class ServerlessFitRuleTests
{
    /// <summary><paramref name="count"/> runs of "def" spread over the one-day window.</summary>
    private static IEnumerable<ObservedJob> Runs(int count, double vcpus, long memoryMib, TimeSpan duration, string definition = "def", string ce = "ce")
    {
        for (var i = 0; i < count; i++)
        {
            var start = FromMs + (i * 600_000L);
            yield return new ObservedJob(Account, Region, "q", ce, definition, vcpus, memoryMib, 0, 1, start, start + (long)duration.TotalMilliseconds);
        }
    }

    /// <summary>What the cost model says the runs cost in the window: attributed + idle share.</summary>
    private static DefinitionCostFact Cost(decimal attributed, decimal idle, string definition = "def") => new(Account, Region, definition, 40, attributed, 0m, idle);

    [Fact]
    public void Evaluate_ShortSmallJobs_LambdaCandidateWithCostDifference()
    {
        // 40 runs of 10 s at 0.25 vCPU / 512 MiB. Lambda 512 MB: 0.5 GB × 10 s × 0.0000166667 + 0.0000002 = 0.0000835335 per run,
        // 40 runs = 0.003341 USD/day = 0.10 USD/month. Fargate bills 60 s minimum: 0.25 vCPU + 0.5 GB = 0.0123425 USD/h → 0.25 USD/month.
        // Now: 2 USD attributed + 3 USD idle share per day = 150 USD/month → saves 149.90 (low end: 60 − 0.10 = 59.90).
        var input = Input([Ce(types: ["m5"])], [Queue()], Runs(40, 0.25, 512, TimeSpan.FromSeconds(10))) with { DefinitionCosts = [Cost(2m, 3m)] };

        var r = Assert.Single(new ServerlessFitRule().Evaluate(input));

        Assert.Equal((RecommendationTargetKind.JobDefinition, "def"), (r.Target.Kind, r.Target.Name));
        Assert.Equal("def: cheaper on Lambda", r.Title);
        Assert.Equal(new SavingsEstimate(149.90m, 59.90m, 149.90m), r.Savings);
        Assert.Equal("(move to AWS Lambda)", Assert.Single(r.Changes).FieldPath);
        var table = r.Evidence.First(e => e.Kind == EvidenceKind.Table);
        Assert.Equal(["AWS Lambda", "0.00", "0.10", "512 MB; fits"], table.Rows[1]);
        Assert.Equal("0.25", table.Rows[2][2]);
        Assert.NotEqual(RecommendationConfidence.High, r.Confidence);
        Assert.Contains(r.Assumptions, a => a.Contains("10 GiB of disk", StringComparison.Ordinal) && a.Contains("privileged", StringComparison.Ordinal));
        Assert.Contains(r.Assumptions, a => a.Contains("https://aws.amazon.com/lambda/pricing/", StringComparison.Ordinal));
    }

    [Fact]
    public void Assess_LambdaMemoryCoversTheVcpuRequest()
    {
        // 4 vCPU needs 4 × 1,769 = 7,076 MB on Lambda even though the job asks for 2 GiB.
        var runs = Runs(20, 4, 2_048, TimeSpan.FromMinutes(1)).ToList();

        var fit = ServerlessFitRule.Assess(runs, new Dictionary<(string, string, string), ComputeEnvironmentConfig>(), []);

        Assert.Equal(7_076, fit.LambdaMemoryMb);
        Assert.True(fit.LambdaFits);
    }

    [Fact]
    public void Evaluate_TwentyMinuteJobs_AreNotLambdaCandidates()
    {
        var runs = Runs(40, 0.25, 512, TimeSpan.FromMinutes(20)).ToList();
        var input = Input([Ce(types: ["m5"])], [Queue()], runs) with { DefinitionCosts = [Cost(2m, 3m)] };

        var fit = ServerlessFitRule.Assess(runs, input.ComputeEnvironments.ToDictionary(c => (c.Account, c.Region, c.Name)), input.Offers);
        var results = new ServerlessFitRule().Evaluate(input).ToList();

        Assert.False(fit.LambdaFits);
        Assert.DoesNotContain(results, r => r.Title.Contains("Lambda", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_TwelveGibJobs_NotLambdaButFargateWhenCheaper()
    {
        // 2 vCPU / 12 GiB for 5 min: over Lambda's 10,240 MB. Fargate: (2 × 0.04048 + 12 × 0.004445) / 12 = 0.011192 USD per run.
        var runs = Runs(40, 2, 12_288, TimeSpan.FromMinutes(5)).ToList();
        var input = Input([Ce(types: ["m5"])], [Queue()], runs) with { DefinitionCosts = [Cost(2m, 3m)] };

        var r = Assert.Single(new ServerlessFitRule().Evaluate(input));

        Assert.Equal("def: cheaper on Fargate", r.Title);
        Assert.Equal(new ProposedChange("platformCapabilities", "EC2", "FARGATE"), Assert.Single(r.Changes));
        var table = r.Evidence.First(e => e.Kind == EvidenceKind.Table);
        Assert.Equal("needs 12288 MB > 10,240 MB", table.Rows[1][3]);
        // 40 × 0.011192 = 0.447680 USD/day → 13.43 USD/month; now 150.
        Assert.Equal(150m - 13.43m, r.Savings.MonthlyUsd);
    }

    [Fact]
    public void Evaluate_CheapEnoughNow_NoAdvice()
    {
        // The 10-second jobs again, but they cost almost nothing now (0.002 USD/day): nothing to save.
        var input = Input([Ce(types: ["m5"])], [Queue()], Runs(40, 0.25, 512, TimeSpan.FromSeconds(10))) with { DefinitionCosts = [Cost(0.002m, 0m)] };

        Assert.Empty(new ServerlessFitRule().Evaluate(input));
    }

    [Fact]
    public void Evaluate_TooFewRuns_NoAdvice()
    {
        var input = Input([Ce(types: ["m5"])], [Queue()], Runs(10, 0.25, 512, TimeSpan.FromSeconds(10))) with { DefinitionCosts = [Cost(2m, 3m)] };

        Assert.Empty(new ServerlessFitRule().Evaluate(input));
    }

    [Fact]
    public void Evaluate_WithoutCostModel_EstimatesFromTheSmallestAllowedType()
    {
        // No cost facts: each 10-minute, 2 vCPU / 7 GiB run is charged its share of m5.large (2 vCPU, 8 GiB: share 1 by vCPU).
        var runs = Runs(40, 2, 7_168, TimeSpan.FromMinutes(10)).ToList();
        var input = Input([Ce(types: ["m5"])], [Queue()], runs);

        var fit = ServerlessFitRule.Assess(runs, input.ComputeEnvironments.ToDictionary(c => (c.Account, c.Region, c.Name)), input.Offers);

        Assert.Equal(decimal.Round(40 * OnDemand("m5.large") / 6m, 6), fit.EstimatedUsd);
    }
}
