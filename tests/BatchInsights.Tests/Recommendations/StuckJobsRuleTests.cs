using BatchInsights.Core.Networking;
using BatchInsights.Core.Recommendations;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class StuckJobsRuleTests
{
    private static readonly long HourMs = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    private static StuckJobFact Stuck(string id, double vcpus, long memoryMib, int gpus = 0, string queue = "q", string definition = "def", long waitedMs = 3_600_000) =>
        new(Account, Region, queue, id, definition, vcpus, memoryMib, gpus, NowMs - waitedMs);

    private static List<Recommendation> Evaluate(RecommendationInput input) => new StuckJobsRule().Evaluate(input).ToList();

    [Fact]
    public void Evaluate_JobLargerThanEveryAllowedType_NamesLargestAllowedAndProposesTypeThatFits()
    {
        // 64 vCPU / 1,000 GiB on an m5-only CE: m5.24xlarge (96 vCPU, 384 GiB) is the largest m5.
        var input = Input([Ce(types: ["m5"])], [Queue()], [], stuck: [Stuck("j1", 64, 1_024_000, definition: "genome"), Stuck("j2", 64, 1_024_000, definition: "genome")]);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal(RecommendationTargetKind.ComputeEnvironment, r.Target.Kind);
        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        Assert.Contains("m5.24xlarge", r.Summary, StringComparison.Ordinal);
        Assert.Contains("2 job(s) of genome", r.Summary, StringComparison.Ordinal);
        var change = Assert.Single(r.Changes);
        Assert.Equal("computeResources.instanceTypes", change.FieldPath);
        Assert.Equal("m5", change.CurrentValue);
        var added = change.ProposedValue.Split(',')[^1];
        var offer = input.Offers.Single(o => o.InstanceType == added);
        Assert.True(offer.Vcpus >= 64 && offer.MemoryMib * SlicePacking.UsableMemoryShare >= 1_024_000, $"{added} does not hold the job");
        // Cheapest type that holds it: nothing x86, current-generation and cheaper holds it too.
        Assert.DoesNotContain(input.Offers, o => o.OnDemandUsdPerHour < offer.OnDemandUsdPerHour && o.CurrentGeneration && !o.Burstable && !o.BareMetal && o.Gpus == 0
            && o.Architectures.Contains("x86_64") && o.Vcpus >= 64 && o.MemoryMib * SlicePacking.UsableMemoryShare >= 1_024_000);
        var table = Assert.Single(r.Evidence, e => e.Title.StartsWith("The job vs", StringComparison.Ordinal));
        Assert.Contains(table.Rows, row => row[0] == "ce" && row[1] == "m5.24xlarge");
    }

    [Fact]
    public void Evaluate_GpuJobOnAmdGpuTypes_IsFlaggedAndAnNvidiaTypeProposed()
    {
        // g4ad has AMD GPUs, which Batch does not schedule: a GPU job on a g4ad-only CE never starts.
        var input = Input([Ce(types: ["g4ad"])], [Queue()], [], stuck: [Stuck("j1", 4, 14_336, gpus: 1, definition: "train")]);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        Assert.Contains("Batch schedules NVIDIA GPUs only", r.Summary, StringComparison.Ordinal);
        var added = Assert.Single(r.Changes).ProposedValue.Split(',')[^1];
        Assert.StartsWith("NVIDIA", input.Offers.Single(o => o.InstanceType == added).GpuModel, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_GpuJobOnNvidiaTypes_IsNotFlagged()
    {
        var input = Input([Ce(types: ["g4dn"])], [Queue()], [], stuck: [Stuck("j1", 4, 14_336, gpus: 1, waitedMs: 60_000)]);

        Assert.Empty(Evaluate(input));
    }

    [Fact]
    public void Evaluate_JobFitsAnAllowedType_IsNotFlagged()
    {
        var input = Input([Ce(types: ["m5"])], [Queue()], [], stuck: [Stuck("j1", 4, 8_192, waitedMs: 60_000)]);

        Assert.Empty(Evaluate(input));
    }

    [Fact]
    public void Evaluate_FargateQueueJobOverFargateLimit_ProposesLowerRequestsOnTheDefinition()
    {
        var input = Input([Ce("fg", resourceType: "FARGATE", types: [])], [Queue(ce: "fg")], [], stuck: [Stuck("j1", 32, 65_536, definition: "big")]);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal((RecommendationTargetKind.JobDefinition, "big"), (r.Target.Kind, r.Target.Name));
        var change = Assert.Single(r.Changes);
        Assert.Equal(("VCPU=32,MEMORY=65536", "VCPU=16,MEMORY=65536"), (change.CurrentValue, change.ProposedValue));
    }

    [Fact]
    public void Evaluate_CeWithoutNetworkPath_OneCriticalFindingNamesTheStuckJobsAndTheFix()
    {
        var input = Input([Ce("lab", types: ["m5"])], [Queue("lab", "lab")], [], stuck: [Stuck("j1", 2, 4_096, queue: "lab"), Stuck("j2", 2, 4_096, queue: "lab")])
            with { Network = [new NetworkFact(Account, Region, "lab", "vpc-1", NetworkPathKind.NoPath, ["ecs", "ecs-agent", "ecs-telemetry"])] };

        // Both rules see the CE; the user must get one critical row for one problem, not two.
        var results = new Recommender([new StuckJobsRule(), new NetworkPathRule()]).Evaluate(input);

        var r = Assert.Single(results, x => x.Target.Name == "lab");
        Assert.Equal((NetworkPathRule.RuleId, RecommendationSeverity.Critical), (r.RuleId, r.Severity));
        Assert.Contains("no network path to ECS", r.Title, StringComparison.Ordinal);
        Assert.Contains("(2 RUNNABLE now)", r.Summary, StringComparison.Ordinal);
        Assert.NotEmpty(r.Changes);
        var waiting = Assert.Single(r.Evidence, e => e.Title == "RUNNABLE jobs");
        Assert.Equal("2", Assert.Single(waiting.Rows)[2]);
    }

    [Fact]
    public void Evaluate_CeWhoseAzsOfferNoneOfItsTypes_IsNamedAsTheCause()
    {
        // us-east-1e offers m5 but not m6i (as in EC2's offerings): an m6i-only CE with subnets only there never launches.
        var ce = Ce("east-e", types: ["m6i"]) with { AvailabilityZones = ["us-east-1e"] };
        var input = Input([ce], [Queue(ce: "east-e")], [], stuck: [Stuck("j1", 2, 4_096, waitedMs: 60_000)]);
        input = input with { Offers = input.Offers.Select(o => o with { OfferedZones = o.Family == "m6i" ? Zones("us-east-1a") : Zones("us-east-1a", "us-east-1e") }).ToList() };

        var r = Assert.Single(Evaluate(input), x => x.Target.Name == "east-e");

        Assert.Equal(RecommendationSeverity.Critical, r.Severity);
        Assert.Contains("no instance type offered in its AZs", r.Title, StringComparison.Ordinal);
        Assert.Contains("(us-east-1e)", r.Summary, StringComparison.Ordinal);

        // Once the AZ offers the family, nothing is wrong with the CE.
        var offered = input with { Offers = input.Offers.Select(o => o with { OfferedZones = Zones("us-east-1a", "us-east-1e") }).ToList() };
        Assert.Empty(Evaluate(offered));
    }

    private static IReadOnlySet<string> Zones(params string[] zones) => zones.ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Evaluate_DisabledCeAndInvalidCe_EachNamedWithItsFix()
    {
        var disabled = Ce("a", types: ["m5"]) with { State = "DISABLED" };
        var invalid = Ce("b", types: ["m5"]) with { Status = "INVALID", StatusReason = "CLIENT_ERROR - service role not found" };
        var input = Input([disabled, invalid], [new QueueConfig(Account, Region, "q", "ENABLED", 1, ["a", "b"], false)], [], stuck: [Stuck("j1", 2, 4_096)]);

        var results = Evaluate(input);

        var a = Assert.Single(results, r => r.Target.Name == "a");
        Assert.Equal(new ProposedChange("state", "DISABLED", "ENABLED"), Assert.Single(a.Changes));
        var b = Assert.Single(results, r => r.Target.Name == "b");
        Assert.Contains("service role not found", b.Summary, StringComparison.Ordinal);
        Assert.All(results, r => Assert.Equal(RecommendationSeverity.Critical, r.Severity));
    }

    [Fact]
    public void Evaluate_OneOfTwoCesDisabled_IsOnlyAWarning()
    {
        var input = Input([Ce("a", types: ["m5"]) with { State = "DISABLED" }, Ce("b", types: ["m5"])],
            [new QueueConfig(Account, Region, "q", "ENABLED", 1, ["a", "b"], false)], [], stuck: [Stuck("j1", 2, 4_096)]);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal(("a", RecommendationSeverity.Warning), (r.Target.Name, r.Severity));
    }

    [Fact]
    public void Evaluate_DisabledQueue_ProposesEnablingIt()
    {
        var input = Input([Ce(types: ["m5"])], [Queue() with { State = "DISABLED" }], [], stuck: [Stuck("j1", 2, 4_096)]);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal((RecommendationTargetKind.JobQueue, "q"), (r.Target.Kind, r.Target.Name));
        Assert.Equal(new ProposedChange("state", "DISABLED", "ENABLED"), Assert.Single(r.Changes));
    }

    [Fact]
    public void Evaluate_CeAtMaxvCpusWithJobsWaiting_ProposesRoomForThem()
    {
        // 256 vCPUs running of 256; ten 4-vCPU jobs waiting an hour → 256 + 40 = 296 → 304 (next multiple of 16).
        var ce = Ce(types: ["m5"]) with { RunningVcpus = 256 };
        var stuck = Enumerable.Range(0, 10).Select(i => Stuck($"j{i}", 4, 8_192)).ToList();
        var input = Input([ce], [Queue()], [], stuck: stuck);

        var r = Assert.Single(Evaluate(input));

        Assert.Equal(new ProposedChange("computeResources.maxvCpus", "256", "304"), Assert.Single(r.Changes));
        Assert.Contains("the oldest for 60 min", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Evidence, e => e.Title == "RUNNABLE jobs" && e.Rows.Single()[6] == "60 min");
    }

    [Fact]
    public void Evaluate_CeAtMaxvCpusButJobsJustArrived_IsNormalScheduling()
    {
        var input = Input([Ce(types: ["m5"]) with { DesiredvCpus = 256 }], [Queue()], [], stuck: [Stuck("j1", 4, 8_192, waitedMs: 120_000)]);

        Assert.Empty(Evaluate(input));
    }

    [Fact]
    public void Evaluate_OutOfMemoryFailures_RaiseMemoryWithObservedMaxAndCountTheMoney()
    {
        // One-day window: monthly = 30 × the window's cost.
        var input = Input([Ce()], [Queue()], []) with { Failures = [new FailureFact(Account, Region, "q", "oom-137", 12, 3.00m, "etl", 4_096)] };

        var r = Assert.Single(Evaluate(input));

        Assert.Equal((RecommendationTargetKind.JobDefinition, "etl"), (r.Target.Kind, r.Target.Name));
        Assert.Equal(new ProposedChange("containerProperties.resourceRequirements.MEMORY", "4096", "6144"), Assert.Single(r.Changes));
        Assert.Equal(new SavingsEstimate(90.00m, 0m, 90.00m), r.Savings);
        Assert.Contains("12 attempt(s)", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SpotReclaimsAndImagePullAndExitCodes_EachGetTheirAdvice()
    {
        var input = Input([Ce()], [Queue()], []) with
        {
            Failures =
            [
                new FailureFact(Account, Region, "q", "spot-reclaim", 20, 5.00m, "etl", 2_048),
                new FailureFact(Account, Region, "q", "image-pull", 3, 0m, "etl", 2_048),
                new FailureFact(Account, Region, "q", "image-pull", 2, 0m, "web", 1_024),
                new FailureFact(Account, Region, "q", "exit-code", 7, 1.00m, "etl", 2_048),
                new FailureFact(Account, Region, "q", "other", 4, 0m, "etl", 2_048),
            ],
        };

        var results = Evaluate(input);

        Assert.Equal(3, results.Count);
        var spot = Assert.Single(results, r => r.Title.Contains("Spot reclaims", StringComparison.Ordinal));
        Assert.Contains("Host EC2*", Assert.Single(spot.Changes).ProposedValue, StringComparison.Ordinal);
        Assert.Equal(RecommendationSeverity.Warning, spot.Severity);
        var pull = Assert.Single(results, r => r.Title.Contains("image pull", StringComparison.Ordinal));
        Assert.Equal(RecommendationTargetKind.JobQueue, pull.Target.Kind);
        Assert.Contains("5 failed attempt(s)", pull.Summary, StringComparison.Ordinal);
        Assert.Contains("ecr.dkr", pull.Summary, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(pull.Evidence).Rows.Count);
        Assert.Single(results, r => r.Title.Contains("exit codes", StringComparison.Ordinal));
        Assert.Equal(results.Count, results.Select(r => r.Fingerprint).Distinct().Count());
    }
}
