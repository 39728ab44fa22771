using BatchInsights.Core.Recommendations;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class InstanceTypesRuleTests
{
    private static ProposedChange TypesChange(Recommendation r) => Assert.Single(r.Changes, c => c.FieldPath == "computeResources.instanceTypes");

    private static IReadOnlyList<string> Families(Recommendation r) =>
        TypesChange(r).ProposedValue.Split(',').Select(t => t[..t.IndexOf('.', StringComparison.Ordinal)]).Distinct().ToList();

    [Fact]
    public void Evaluate_MemoryHeavyJobsOnOptimal_ProposesMemoryOptimizedFamily()
    {
        // 2 vCPU / 14 GiB: 7 GiB per vCPU, the r family's shape.
        var input = Input([Ce()], [Queue()], Jobs(200, 2, 14_336));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        Assert.All(Families(r), f => Assert.StartsWith("r", f, StringComparison.Ordinal));
        Assert.True(r.Savings.MonthlyUsd > 0, $"savings {r.Savings.MonthlyUsd}");
        Assert.Equal("optimal", TypesChange(r).CurrentValue);
        Assert.Contains(r.Evidence, e => e.Kind == EvidenceKind.Histogram);
        Assert.Contains(r.Evidence, e => e.Title.StartsWith("Packing efficiency", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_ComputeHeavyJobsOnMemoryFamily_ProposesComputeOptimizedFamily()
    {
        // 8 vCPU / 6 GiB on r5: paying for memory nobody uses.
        var input = Input([Ce(types: ["r5"])], [Queue()], Jobs(200, 8, 6_144));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        Assert.All(Families(r), f => Assert.StartsWith("c", f, StringComparison.Ordinal));
        Assert.True(r.Savings.MonthlyUsd > 0);
        Assert.InRange(r.Savings.MonthlyUsd, r.Savings.LowUsd, r.Savings.HighUsd);
    }

    [Fact]
    public void Evaluate_MultiNodeQueueOnSpotCe_ProposesOnDemandAndNeverSpot()
    {
        var input = Input([Ce(resourceType: "SPOT")], [Queue(mnp: true)], Jobs(50, 4, 8_192, nodes: 4));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        var type = Assert.Single(r.Changes, c => c.FieldPath == "computeResources.type");
        Assert.Equal(("SPOT", "EC2"), (type.CurrentValue, type.ProposedValue));
        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        Assert.Contains(r.Assumptions, a => a.Contains("On-Demand prices", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_JobLargerThanEveryType_IsFlagged()
    {
        var stuck = new StuckJobFact(Account, Region, "q", "job-1", "huge", 4_000, 64_000_000, 0, FromMs);
        var input = Input([Ce(types: ["m5.large"])], [Queue()], Jobs(20, 1, 1_024), stuck: [stuck]);

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        var table = Assert.Single(r.Evidence, e => e.Title == "Jobs larger than every allowed instance type");
        Assert.Equal("4000", table.Rows[0][0]);
    }

    [Fact]
    public void Evaluate_SpotCe_DiversifiesToAtLeastTenTypesWithinTwenty()
    {
        var input = Input([Ce(resourceType: "SPOT", types: ["m5.2xlarge"], strategy: "SPOT_PRICE_CAPACITY_OPTIMIZED")], [Queue()], Jobs(300, 2, 4_096));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        var types = TypesChange(r).ProposedValue.Split(',');
        Assert.InRange(types.Length, 10, 20);
        Assert.True(Families(r).Count >= 2);
    }

    [Fact]
    public void Evaluate_GpuJobs_OnlyGpuTypesServeThem()
    {
        var input = Input([Ce(types: ["optimal"])], [Queue()], Jobs(30, 4, 16_000, gpus: 1));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        // optimal has no GPU type: the jobs fit nothing there; the proposal is GPU families only.
        Assert.All(Families(r), f => Assert.True(f[0] is 'g' or 'p', f));
    }

    [Fact]
    public void Evaluate_GpuJobs_NeverProposesGpusBatchCannotSchedule()
    {
        // 4 vCPU / 14 GiB / 1 GPU: g4ad.xlarge (AMD Radeon Pro V520) holds it on paper and is the cheapest 1-GPU type in the
        // catalog, but Batch schedules NVIDIA GPUs only — on g4ad the jobs would wait RUNNABLE for ever.
        var input = Input([Ce(types: ["optimal"])], [Queue()], Jobs(30, 4, 14_336, gpus: 1));
        var g4ad = input.Offers.Single(o => o.InstanceType == "g4ad.xlarge");
        Assert.True(g4ad.OnDemandUsdPerHour < input.Offers.Single(o => o.InstanceType == "g4dn.xlarge").OnDemandUsdPerHour);
        Assert.Equal((1, 0), (g4ad.Gpus, g4ad.SchedulableGpus));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(input));

        var proposed = TypesChange(r).ProposedValue.Split(',').Select(t => input.Offers.Single(o => o.InstanceType == t)).ToList();
        Assert.NotEmpty(proposed);
        Assert.All(proposed, o => Assert.StartsWith("NVIDIA", o.GpuModel, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_SpotCe_NeverProposesATypeWhosePoolsAreAllOutsideItsAzs()
    {
        // c6a.large is by far the cheapest Spot pool, but only in us-east-1d; the CE's subnets are in us-east-1a and 1b, so
        // Batch can never launch it there. m6i.large has a pool in the CE's AZs too.
        IReadOnlyList<SpotPriceSeries> spot =
        [
            Pool("c6a.large", "us-east-1d", OnDemand("c6a.large"), 0.05m, 0.05m, 0),
            Pool("m6i.large", "us-east-1a", OnDemand("m6i.large"), 0.30m, 0.30m, 0),
            Pool("m6i.large", "us-east-1d", OnDemand("m6i.large"), 0.05m, 0.05m, 0),
        ];
        var ce = Ce(resourceType: "SPOT", types: ["m5.large"], strategy: "SPOT_PRICE_CAPACITY_OPTIMIZED");
        ComputeEnvironmentConfig InAzs(params string[] zones) => ce with { AvailabilityZones = zones };
        Recommendation Run(ComputeEnvironmentConfig c) => Assert.Single(new InstanceTypesRule().Evaluate(Input([c], [Queue()], Jobs(300, 2, 3_584), spot: spot)));

        // With the CE's AZs unknown nothing is ruled out, and the 1d pool wins.
        Assert.Contains("c6a.large", TypesChange(Run(ce)).ProposedValue.Split(','));

        var r = Run(InAzs("us-east-1a", "us-east-1b"));

        Assert.DoesNotContain("c6a.large", TypesChange(r).ProposedValue.Split(','));
        Assert.Contains(r.Assumptions, a => a.Contains("the CE's AZs (us-east-1a, us-east-1b)", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_OnDemandCe_ProposesOnlyTypesItsAzsOffer()
    {
        // Compute-heavy jobs on r5: the cheapest compute family is an AMD one (c6a), but the CE's only AZ offers just the
        // Intel 6th generation (DescribeInstanceTypeOfferings), so the proposal must stay within c6i/m6i/r6i.
        var ce = Ce(types: ["r5"]) with { AvailabilityZones = ["us-east-1e"] };
        var input = Input([ce], [Queue()], Jobs(200, 8, 6_144));
        static bool Offered(string family) => family is "c6i" or "m6i" or "r6i";
        var offered = input with
        {
            Offers = input.Offers.Select(o => o with
            {
                OfferedZones = (Offered(o.Family) ? new[] { "us-east-1a", "us-east-1e" } : ["us-east-1a"]).ToHashSet(StringComparer.Ordinal),
            }).ToList(),
        };

        // Without the CE's AZs nothing is ruled out, and another family wins.
        Assert.Contains(Families(Assert.Single(new InstanceTypesRule().Evaluate(offered with { ComputeEnvironments = [Ce(types: ["r5"])] }))), f => !Offered(f));

        var r = Assert.Single(new InstanceTypesRule().Evaluate(offered));

        Assert.All(Families(r), f => Assert.True(Offered(f), f));
        Assert.Contains("c6i", Families(r));
        Assert.Contains(r.Assumptions, a => a.StartsWith("Only types offered in the CE's AZs (us-east-1e)", StringComparison.Ordinal));
    }

    [Fact]
    public void Choose_AlreadyCheapestSetting_GivesNoRecommendation()
    {
        var first = Assert.Single(new InstanceTypesRule().Evaluate(Input([Ce()], [Queue()], Jobs(200, 2, 14_336))));
        var proposed = TypesChange(first).ProposedValue.Split(',');

        var again = new InstanceTypesRule().Evaluate(Input([Ce(types: proposed)], [Queue()], Jobs(200, 2, 14_336)));

        Assert.Empty(again);
    }
}
