using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Recommendations.Simulation;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

/// <summary>
/// The "never costlier than current" guarantee as a behaviour: the instance-types rule's proposal, replayed with the
/// bench's simulator (<see cref="PackingSimulator"/>, jobs at their start times, catalog memory, On-Demand prices), costs
/// no more than the CE's current setting on the same jobs.
/// </summary>
public sealed class InstanceTypesReplayTests
{
    /// <summary>A small deterministic day of trace-like jobs: 1–4 vCPU, 0.5–12 GiB, 5 min–3 h, arrivals spread over the day.</summary>
    private static List<ObservedJob> TraceLikeDay(int seed)
    {
        var random = new Random(seed);
        var jobs = new List<ObservedJob>();
        for (var i = 0; i < 400; i++)
        {
            var start = FromMs + (long)(random.NextDouble() * (NowMs - FromMs - 3 * 3_600_000L));
            var vcpus = new[] { 1, 1, 2, 2, 2, 4 }[random.Next(6)];
            var memoryMib = 512L * random.Next(1, 25);
            var seconds = random.Next(300, 3 * 3600);
            jobs.Add(new ObservedJob(Account, Region, "q", "ce", "def", vcpus, memoryMib, 0, 1, start, start + (seconds * 1000L)));
        }

        return jobs;
    }

    private static double Replay(IEnumerable<string> types, RecommendationInput input, List<ObservedJob> jobs, out int fitNone)
    {
        var offers = input.Offers.Where(o => o.OnDemandUsdPerHour is not null).ToDictionary(o => o.InstanceType, StringComparer.Ordinal);
        var priced = types.Where(offers.ContainsKey).Select(t => offers[t]).ToList();
        var simulator = new PackingSimulator(
            priced.Select(o => new MachineType(o.InstanceType, o.Vcpus, o.MemoryMib / 1024.0, o.Gpus)).ToList(),
            PriceSchedule.Constant(priced.Select(o => (double)o.OnDemandUsdPerHour!.Value).ToList()),
            new PackingPolicy());
        var result = simulator.Run(jobs.Select(j => new WorkloadJob((j.StartedAtMs - FromMs) / 1000, (j.StoppedAtMs - j.StartedAtMs) / 1000, j.Vcpus, j.MemoryMib / 1024.0)).ToList());
        fitNone = result.JobsThatFitNoType;
        return result.CostUsd;
    }

    [Theory]
    [InlineData("m5,c5,r5", 1)]
    [InlineData("optimal", 2)]
    [InlineData("r5", 3)]
    [InlineData("c6a,m6a,r6a", 4)]
    [InlineData("m5a", 5)]
    public void Evaluate_TraceLikeDay_RecommendedReplaysNoCostlierThanCurrent(string current, int seed)
    {
        var jobs = TraceLikeDay(seed);
        var input = Input([Ce(types: current.Split(','))], [Queue()], jobs);
        var currentTypes = InstanceTypesRule.Expand(current.Split(','), input.Offers);

        var change = new InstanceTypesRule().Evaluate(input).SelectMany(r => r.Changes).SingleOrDefault(c => c.FieldPath == "computeResources.instanceTypes");
        var proposedTypes = change is null ? currentTypes : change.ProposedValue.Split(',');

        var currentCost = Replay(currentTypes, input, jobs, out var currentFitNone);
        var proposedCost = Replay(proposedTypes, input, jobs, out var proposedFitNone);
        Assert.Equal(0, currentFitNone);
        Assert.Equal(0, proposedFitNone);
        Assert.True(proposedCost <= currentCost, $"{current}: proposed {change?.ProposedValue} replays at {proposedCost:0.00} USD, current at {currentCost:0.00} USD");
    }

    [Fact]
    public void Evaluate_ComputeHeavyDayOnMemoryFamily_ProposesATypeListThatReplaysCheaper()
    {
        // 4 vCPU / 3 GiB jobs on r5: the guard lets a clearly better list through (it does not just always say "keep").
        var jobs = TraceLikeDay(7).Select(j => j with { Vcpus = 4, MemoryMib = 3_072 }).ToList();
        var input = Input([Ce(types: ["r5"])], [Queue()], jobs);

        var recommendation = Assert.Single(new InstanceTypesRule().Evaluate(input));

        var change = Assert.Single(recommendation.Changes, c => c.FieldPath == "computeResources.instanceTypes");
        var currentCost = Replay(InstanceTypesRule.Expand(["r5"], input.Offers), input, jobs, out _);
        var proposedCost = Replay(change.ProposedValue.Split(','), input, jobs, out _);
        Assert.True(proposedCost < currentCost * 0.9, $"proposed {change.ProposedValue} {proposedCost:0.00} USD vs r5 {currentCost:0.00} USD");
        Assert.Contains(recommendation.Evidence, e => e.Title.StartsWith("Event replay", StringComparison.Ordinal));
    }

    [Fact]
    public void Choose_CurrentAlreadyTheCheapestReplay_KeepsTheCurrentTypes()
    {
        // The rule's own best pick, offered back as the current setting, must not be replaced by something that replays costlier.
        var jobs = TraceLikeDay(11);
        var first = Input([Ce(types: ["m5"])], [Queue()], jobs);
        var firstChoice = InstanceTypesRule.Choose(jobs, [], first.ComputeEnvironments[0], first.Offers, FromMs, NowMs, first.Settings, onDemand: true)!;
        var ce = Ce(types: firstChoice.ProposedTypes);

        var again = InstanceTypesRule.Choose(jobs, [], ce, first.Offers, FromMs, NowMs, first.Settings, onDemand: true)!;

        var (currentReplay, proposedReplay, _) = again.Replay!.Value;
        Assert.True(proposedReplay <= currentReplay, $"proposed {proposedReplay:0.00} vs current {currentReplay:0.00}");
        if (proposedReplay == currentReplay)
        {
            Assert.Equal(again.CurrentTypes.Order(StringComparer.Ordinal), again.ProposedTypes.Order(StringComparer.Ordinal));
        }
    }
}
