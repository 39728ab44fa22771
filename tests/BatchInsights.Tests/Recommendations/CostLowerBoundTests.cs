using BatchInsights.Core.Recommendations.LowerBound;
using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Tests.Recommendations;

public sealed class CostLowerBoundTests
{
    private const long Hour = 3600;

    private static WorkloadJob Job(double vcpus, double gib, long start = 0, long duration = Hour, int gpus = 0) =>
        new(start, duration, vcpus, gib, gpus);

    [Fact]
    public void Solve_OneType_ScalesItToTheTighterResource()
    {
        var lp = new SliceLp([new MachineType("a", 4, 8)], [0.2]);

        var solution = lp.Solve(vcpus: 10, memoryGib: 4);

        Assert.Equal(0.5, solution.UsdPerHour, 9); // 10 vCPU / 4 = 2.5 instances × $0.2
    }

    [Fact]
    public void Solve_CpuTypeAndMemoryType_MixesBothBelowEitherAlone()
    {
        // A: 4 vCPU 4 GiB $1; B: 1 vCPU 8 GiB $1; need 8 vCPU, 16 GiB. A alone: 4 × $1; B alone: 8 × $1.
        // Both rows tight: 4a + b = 8, 4a + 8b = 16 → b = 8/7, a = 12/7 → $20/7.
        var lp = new SliceLp([new MachineType("A", 4, 4), new MachineType("B", 1, 8)], [1.0, 1.0]);

        var solution = lp.Solve(8, 16);

        Assert.Equal(20.0 / 7, solution.UsdPerHour, 9);
        Assert.Equal(2, solution.Mix.Count);
    }

    [Fact]
    public void Solve_GpuDemand_UsesThreeTypesWithAllRowsTight()
    {
        // GPU box must give the 2 GPUs (8 vCPU, 32 GiB, $2); the rest (8 vCPU, 32 GiB) is cheapest as
        // 6/7 CPU box + 4/7 memory box = $3.6/7. Hand-computed total: 2 + 3.6/7.
        MachineType[] types = [new("cpu", 8, 16), new("mem", 2, 32), new("gpu", 4, 16, Gpus: 1)];
        var lp = new SliceLp(types, [0.4, 0.3, 1.0]);

        var solution = lp.Solve(16, 64, gpus: 2);

        Assert.Equal(2 + (3.6 / 7), solution.UsdPerHour, 9);
        Assert.Equal(3, solution.Mix.Count);
    }

    [Fact]
    public void Solve_DominatedType_IsPrunedFromTheFrontier()
    {
        // "big" gives twice the capacity of "small" for less than twice the price: small is never needed.
        var lp = new SliceLp([new MachineType("small", 2, 4), new MachineType("big", 4, 8)], [1.0, 1.5]);

        Assert.Equal([1], lp.CpuMemoryFrontier);
        Assert.Equal(0.75, lp.Solve(2, 4).UsdPerHour, 9);
    }

    [Fact]
    public void Compute_GpuJobWithoutGpuTypes_IsInfinite()
    {
        var result = CostLowerBound.Compute([Job(1, 1, gpus: 1)], [new MachineType("m", 4, 16)], PriceSchedule.Constant([1.0]));

        Assert.True(double.IsPositiveInfinity(result.BoundUsd));
    }

    [Fact]
    public void Compute_JobsAcrossSliceEdges_DemandHoursEqualRequestedHours()
    {
        // Starts and ends mid-slice, spans many whole slices.
        WorkloadJob[] jobs = [Job(2, 3, start: 17, duration: 7_213), Job(1, 8, start: 3_000, duration: 90)];

        var result = CostLowerBound.Compute(jobs, [new MachineType("m", 4, 16)], PriceSchedule.Constant([1.0]));

        Assert.Equal(((2 * 7_213) + 90) / 3600.0, result.VcpuHours, 9);
        Assert.Equal(((3 * 7_213) + (8 * 90)) / 3600.0, result.MemoryGibHours, 9);
    }

    [Fact]
    public void Compute_TimeVaryingPrice_UsesEachSlicesLowestPrice()
    {
        // $1/h for the first minute, $3/h after 60 s, $2/h from 150 s (inside the third slice).
        var prices = PriceSchedule.FromChanges([[(0L, 1.0), (60L, 3.0), (150L, 2.0)]]);

        var result = CostLowerBound.Compute([Job(1, 1, start: 0, duration: 180)], [new MachineType("m", 1, 1)], prices);

        Assert.Equal((1.0 + 3.0 + 2.0) * 60 / 3600, result.BoundUsd, 9);
        Assert.Equal([1.0, 3.0, 2.0], result.Slices.Select(s => s.UsdPerHour));
    }

    [Fact]
    public void PerJobMaximum_CpuAndMemoryJobsSharingAHost_ExceedsTheRealOptimum()
    {
        // aws-facts.md counterexample: one type (1 vCPU, 1 GiB, $1/h); a 1-h CPU-only job and a 1-h memory-only job.
        MachineType[] types = [new("t", 1, 1)];
        WorkloadJob[] jobs = [Job(1, 0), Job(0, 1)];
        const double a = 1.0; // cheapest $/vCPU-h
        const double b = 1.0; // cheapest $/GiB-h

        var perJobMaximum = jobs.Sum(j => Math.Max(a * j.Vcpus, b * j.MemoryGib));
        var bound = CostLowerBound.Compute(jobs, types, PriceSchedule.Constant([1.0]));
        var bestPacking = PackingBruteForce.Optimum(jobs, types, [1.0]); // both jobs on one instance

        Assert.Equal(2.0, perJobMaximum, 9);
        Assert.Equal(1.0, bestPacking, 9);
        Assert.True(perJobMaximum > bestPacking); // not a lower bound
        Assert.Equal(1.0, bound.BoundUsd, 9);
    }

    [Fact]
    public void Compute_RandomTinyCases_B0BelowBoundBelowBestIntegerPacking()
    {
        var rng = new Random(20261126);
        var gaps = 0;
        for (var c = 0; c < 60; c++)
        {
            var types = Enumerable.Range(0, rng.Next(1, 4))
                .Select(i => new MachineType($"t{i}", rng.Next(1, 9), rng.Next(1, 33)))
                .ToArray();
            var prices = types.Select(t => Math.Round((0.02 * t.Vcpus) + (0.005 * t.MemoryGib * rng.NextDouble()) + 0.01, 4)).ToArray();
            // All jobs share one hour, so the integer optimum is a plain bin-packing.
            var jobs = Enumerable.Range(0, rng.Next(1, 5))
                .Select(_ => Job(rng.Next(0, 9), rng.Next(0, 33)))
                .Where(j => types.Any(t => t.Fits(j)))
                .ToArray();

            var result = CostLowerBound.Compute(jobs, types, PriceSchedule.Constant(prices));
            var optimum = PackingBruteForce.Optimum(jobs, types, prices);

            Assert.True(result.B0Usd <= result.BoundUsd + 1e-9, $"case {c}: B0 {result.B0Usd} > bound {result.BoundUsd}");
            Assert.True(result.BoundUsd <= optimum + 1e-9, $"case {c}: bound {result.BoundUsd} > optimum {optimum}");
            gaps += result.BoundUsd < optimum - 1e-9 ? 1 : 0;
        }

        Assert.True(gaps > 0); // the bound is not trivially the optimum: integrality shows up in some cases
    }

    [Fact]
    public void Compute_TwoDisjointHours_BoundIsTheSumOfEachHoursBound()
    {
        MachineType[] types = [new("A", 4, 4), new("B", 1, 8)];
        var prices = PriceSchedule.Constant([1.0, 1.0]);

        var result = CostLowerBound.Compute([Job(8, 16, start: 0), Job(4, 4, start: 2 * Hour)], types, prices);

        Assert.Equal((20.0 / 7) + 1.0, result.BoundUsd, 9); // the empty hour between costs nothing
    }
}
