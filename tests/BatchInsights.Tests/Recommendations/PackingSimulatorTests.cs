using BatchInsights.Core.Recommendations.LowerBound;
using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Tests.Recommendations;

public sealed class PackingSimulatorTests
{
    // $3.60/h = $0.001 per second keeps the hand arithmetic readable.
    private static readonly MachineType Box = new("box", 4, 8);

    private static readonly PackingPolicy Policy = new() { BootSeconds = 100, IdleScaleDownSeconds = 200, MinimumBillingSeconds = 60 };

    private static PackingSimulator Simulator(PackingPolicy? policy = null, params (MachineType Type, double Price)[] types) =>
        new([.. types.Select(t => t.Type)], PriceSchedule.Constant([.. types.Select(t => t.Price)]), policy ?? Policy);

    [Fact]
    public void Run_TwoJobsThatShareAHost_BillsOneInstanceForBootRunAndIdle()
    {
        var result = Simulator(null, (Box, 3.6)).Run([new(0, 600, 2, 4), new(0, 600, 2, 4)]);

        Assert.Equal(1, result.InstancesLaunched);
        Assert.Equal(0.9, result.CostUsd, 9); // 100 s boot + 600 s run + 200 s idle = 900 s × $0.001
        Assert.Equal(100, result.MeanStartDelaySeconds, 9);
        Assert.Equal((2.0 * 2 * 600) / (4 * 900), result.VcpuUtilization, 9);
    }

    [Fact]
    public void Run_GapShorterThanScaleDown_ReusesTheWarmInstance()
    {
        var result = Simulator(null, (Box, 3.6)).Run([new(0, 100, 4, 8), new(350, 100, 4, 8)]);

        // Job 1 ends at 200, job 2 arrives at 350 (< 200 + 200): same instance, no boot wait; idle until 650.
        Assert.Equal(1, result.InstancesLaunched);
        Assert.Equal(0.65, result.CostUsd, 9);
    }

    [Fact]
    public void Run_GapLongerThanScaleDown_TerminatesAndLaunchesAgain()
    {
        var result = Simulator(null, (Box, 3.6)).Run([new(0, 100, 4, 8), new(1_000, 100, 4, 8)]);

        Assert.Equal(2, result.InstancesLaunched);
        Assert.Equal(0.8, result.CostUsd, 9); // two × (100 boot + 100 run + 200 idle)
    }

    [Fact]
    public void Run_IdleTwiceThenLongGap_ScalesDownFromTheLastIdleMoment()
    {
        // Job 1 runs 100..200, job 2 (arrives 300, warm) 300..400, job 3 arrives 650 > 400 + 200: a new instance.
        var result = Simulator(null, (Box, 3.6)).Run([new(0, 100, 4, 8), new(300, 100, 4, 8), new(650, 100, 4, 8)]);

        Assert.Equal(2, result.InstancesLaunched);
        Assert.Equal(0.6 + 0.4, result.CostUsd, 9); // 0..600, then 650..1050
    }

    [Fact]
    public void Run_JobBiggerThanEveryType_IsCountedAndNotCosted()
    {
        var result = Simulator(null, (Box, 3.6)).Run([new(0, 100, 64, 512)]);

        Assert.Equal(1, result.JobsThatFitNoType);
        Assert.Equal(0, result.JobsRun);
        Assert.Equal(0, result.CostUsd);
    }

    [Fact]
    public void Run_CheapestFit_LaunchesTheCheapestTypeTheJobFits()
    {
        var small = new MachineType("small", 2, 4);
        var large = new MachineType("large", 8, 32);
        var memory = new MachineType("memory", 2, 16);

        var result = Simulator(null, (large, 0.4), (small, 0.1), (memory, 0.15)).Run([new(0, 60, 2, 8)]);

        Assert.Equal(new Dictionary<string, int> { ["memory"] = 1 }, result.LaunchesByType);
    }

    [Fact]
    public void Run_SpotPriceChangesWhileRunning_BillsEachPartAtItsPrice()
    {
        var prices = PriceSchedule.FromChanges([[(0L, 3.6), (300L, 7.2)]]);
        var simulator = new PackingSimulator([Box], prices, Policy);

        var result = simulator.Run([new(0, 400, 1, 1)]);

        // Billed 0..700: 300 s at $0.001 + 400 s at $0.002.
        Assert.Equal(0.3 + 0.8, result.CostUsd, 9);
    }

    [Fact]
    public void Run_RandomWorkloads_NeverCostLessThanTheLowerBound()
    {
        var rng = new Random(7);
        MachineType[] types = [new("c", 8, 16), new("m", 8, 32), new("r", 8, 64), new("c2", 2, 4)];
        double[] prices = [0.34, 0.384, 0.504, 0.085];
        for (var c = 0; c < 20; c++)
        {
            var jobs = Enumerable.Range(0, 200)
                .Select(_ => new WorkloadJob(rng.Next(0, 20_000), rng.Next(30, 3_000), rng.Next(1, 5), rng.Next(1, 40)))
                .ToArray();
            var schedule = PriceSchedule.Constant(prices);

            var simulated = new PackingSimulator(types, schedule, new PackingPolicy()).Run(jobs);
            var bound = CostLowerBound.Compute(jobs, types, schedule);

            Assert.Equal(200, simulated.JobsRun);
            Assert.True(bound.BoundUsd <= simulated.CostUsd, $"case {c}: bound {bound.BoundUsd} > simulated {simulated.CostUsd}");
        }
    }

    [Fact]
    public void Cost_AcrossPriceChanges_IntegratesAndMinPriceSeesTheDip()
    {
        var prices = PriceSchedule.FromChanges([[(100L, 3.6), (0L, 7.2), (200L, 1.8)]]);

        Assert.Equal(0.2 + 0.1 + 0.05, prices.Cost(0, 0, 300), 9);
        Assert.Equal(1.8, prices.MinPrice(0, 150, 250), 9);
        Assert.Equal(3.6, prices.MinPrice(0, 100, 200), 9); // the change at 200 is outside [100, 200)
        Assert.Equal(7.2, prices.PriceAt(0, -50), 9); // before the first change: the first price
    }
}
