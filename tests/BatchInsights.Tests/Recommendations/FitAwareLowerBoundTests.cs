using BatchInsights.Core.Recommendations.LowerBound;
using BatchInsights.Core.Recommendations.Simulation;

namespace BatchInsights.Tests.Recommendations;

public sealed class FitAwareLowerBoundTests
{
    private const long Hour = 3600;

    private static WorkloadJob Job(double vcpus, double gib, long start = 0, long duration = Hour, int gpus = 0) =>
        new(start, duration, vcpus, gib, gpus);

    [Fact]
    public void Compute_JobLargerThanTheCheapSize_PaysForATypeThatHoldsIt()
    {
        // small 2 vCPU/4 GiB $0.05, large 4 vCPU/8 GiB $0.20. One 4-vCPU job for an hour: the plain LP covers it with two
        // smalls ($0.10), which no placement can do; only the large holds it ($0.20).
        MachineType[] types = [new("small", 2, 4), new("large", 4, 8)];

        var result = FitAwareLowerBound.Compute([Job(4, 4)], types, PriceSchedule.Constant([0.05, 0.20]));

        Assert.Equal(0.10, result.PlainBoundUsd, 9);
        Assert.Equal(0.20, result.BoundUsd, 9);
    }

    [Fact]
    public void Compute_SmallJobsMayUseLargeCapacity_ButNotTheOtherWayRound()
    {
        // S 2 vCPU/2 GiB $1, L 4 vCPU/4 GiB $3. A 4-vCPU job (L only) and a 2-vCPU job, both for an hour.
        // Rows: L-set 4·x_L ≥ 4; all types 2·x_S + 4·x_L ≥ 6 → x_L = 1, x_S = 1 → $4 (plain LP: 6 vCPU on S = $3).
        MachineType[] types = [new("S", 2, 2), new("L", 4, 4)];
        WorkloadJob[] jobs = [Job(4, 4), Job(2, 2)];

        var result = FitAwareLowerBound.Compute(jobs, types, PriceSchedule.Constant([1.0, 3.0]), countRows: false);

        Assert.Equal(3.0, result.PlainBoundUsd, 9);
        Assert.Equal(4.0, result.BoundUsd, 9);
        Assert.Equal(PackingBruteForce.Optimum(jobs, types, [1.0, 3.0]), result.BoundUsd, 9);
    }

    [Fact]
    public void Compute_CountRows_RuleOutFractionsOfTheLargeType()
    {
        // S 2 vCPU/2 GiB $1, L 4 vCPU/4 GiB $1.5 (L cheaper per vCPU). Jobs 4 vCPU + 2 vCPU for an hour.
        // Without count rows: x_L = 1.5 covers both → $2.25. With them, ≥ ⌈6/4⌉ = 2 instances in all: x_L = x_S = 1 → $2.50,
        // which is the integer optimum (L + S).
        MachineType[] types = [new("S", 2, 2), new("L", 4, 4)];
        WorkloadJob[] jobs = [Job(4, 4), Job(2, 2)];
        var prices = PriceSchedule.Constant([1.0, 1.5]);

        var lpOnly = FitAwareLowerBound.Compute(jobs, types, prices, countRows: false);
        var withCounts = FitAwareLowerBound.Compute(jobs, types, prices);

        Assert.Equal(2.25, lpOnly.BoundUsd, 9);
        Assert.Equal(2.50, withCounts.BoundUsd, 9);
        Assert.Equal(PackingBruteForce.Optimum(jobs, types, [1.0, 1.5]), withCounts.BoundUsd, 9);
    }

    [Fact]
    public void Compute_JobsThatDoNotPairUp_PayOneInstanceEach()
    {
        // xl 4 vCPU/8 GiB $0.2 is the only type. Two 2-vCPU/4.25-GiB jobs for an hour: vCPU and memory alone say one
        // instance (8.5 GiB > 8 → 1.0625 of one), but two such jobs never fit one instance (F = 1), so two are paid.
        MachineType[] types = [new("xl", 4, 8)];
        WorkloadJob[] jobs = [Job(2, 4.25), Job(2, 4.25)];
        var prices = PriceSchedule.Constant([0.2]);

        var withoutCounts = FitAwareLowerBound.Compute(jobs, types, prices, countRows: false);
        var result = FitAwareLowerBound.Compute(jobs, types, prices);

        Assert.Equal(0.2 * 8.5 / 8, withoutCounts.BoundUsd, 9);
        Assert.Equal(0.4, result.BoundUsd, 9);
        Assert.Equal(PackingBruteForce.Optimum(jobs, types, [0.2]), result.BoundUsd, 9);
    }

    [Fact]
    public void Compute_OneShortJobInASlice_PaysTheCheapestFittingTypeForItsShareOfTheSlice()
    {
        // A 4-vCPU job for 30 s of a 60-s slice: at least one "large" alive half the slice → 0.5 × $0.20/h.
        MachineType[] types = [new("small", 2, 4), new("large", 4, 8)];

        var result = FitAwareLowerBound.Compute([Job(4, 1, start: 0, duration: 30)], types, PriceSchedule.Constant([0.05, 0.20]));

        Assert.Equal(0.5 * 0.20 * 60 / 3600, result.BoundUsd, 12);
    }

    [Fact]
    public void Compute_CpuJobNextToAGpuJob_CannotRideOnTheGpuBox()
    {
        // cpu 8 vCPU/16 GiB $0.4; gpu 4 vCPU/16 GiB/1 GPU $1. A GPU job (1, 1, 1 GPU) and an 8-vCPU job.
        // Plain: the GPU box gives 4 vCPU, the rest 5/8 of cpu → $1.25. Fit-aware: the 8-vCPU job needs a whole cpu box → $1.40.
        MachineType[] types = [new("cpu", 8, 16), new("gpu", 4, 16, Gpus: 1)];
        WorkloadJob[] jobs = [Job(1, 1, gpus: 1), Job(8, 16)];

        var result = FitAwareLowerBound.Compute(jobs, types, PriceSchedule.Constant([0.4, 1.0]));

        Assert.Equal(1.25, result.PlainBoundUsd, 9);
        Assert.Equal(1.40, result.BoundUsd, 9);
    }

    [Fact]
    public void Compute_JobThatFitsNoType_IsInfiniteAndCounted()
    {
        // Fits per resource (8 vCPU exists, 64 GiB exists) but no single type has both.
        MachineType[] types = [new("c", 8, 16), new("r", 2, 64)];

        var result = FitAwareLowerBound.Compute([Job(8, 64), Job(1, 1)], types, PriceSchedule.Constant([0.3, 0.4]));

        Assert.True(double.IsPositiveInfinity(result.BoundUsd));
        Assert.Equal(1, result.JobsFittingNoType);
        Assert.True(double.IsFinite(result.PlainBoundUsd));
    }

    [Fact]
    public void Compute_DifferentHoursAndPrices_EachSliceSolvedOnItsOwn()
    {
        // Hour 0 at $1/$3, hour 1 at $1/$1.5 (price change: the LP is rebuilt); the same jobs each hour.
        MachineType[] types = [new("S", 2, 2), new("L", 4, 4)];
        var prices = PriceSchedule.FromChanges([[(0L, 1.0)], [(0L, 3.0), (Hour, 1.5)]]);
        WorkloadJob[] jobs = [Job(4, 4), Job(2, 2), Job(4, 4, start: Hour), Job(2, 2, start: Hour)];

        var result = FitAwareLowerBound.Compute(jobs, types, prices, sliceSeconds: Hour);

        Assert.Equal(4.0 + 2.5, result.BoundUsd, 9);
    }

    [Fact]
    public void Compute_RandomTinyCases_PlainBelowFitAwareBelowBestIntegerPacking()
    {
        var rng = new Random(20261127);
        var tighter = 0;
        for (var c = 0; c < 400; c++)
        {
            var types = Enumerable.Range(0, rng.Next(1, 4))
                .Select(i => new MachineType($"t{i}", rng.Next(1, 9), rng.Next(1, 33)))
                .ToArray();
            // Spot-like: per-size prices that need not be linear in size.
            var prices = types.Select(t => Math.Round((0.02 * t.Vcpus * (0.5 + rng.NextDouble())) + (0.005 * t.MemoryGib * rng.NextDouble()) + 0.01, 4)).ToArray();
            var jobs = Enumerable.Range(0, rng.Next(1, 6))
                .Select(_ => Job(rng.Next(0, 9) / (rng.Next(2) + 1.0), rng.Next(0, 33)))
                .Where(j => types.Any(t => t.Fits(j)))
                .ToArray();

            var result = FitAwareLowerBound.Compute(jobs, types, PriceSchedule.Constant(prices), sliceSeconds: Hour);
            var lpOnly = FitAwareLowerBound.Compute(jobs, types, PriceSchedule.Constant(prices), sliceSeconds: Hour, countRows: false);
            var optimum = PackingBruteForce.Optimum(jobs, types, prices);

            Assert.True(result.BoundUsd <= optimum + 1e-9, $"case {c}: fit-aware {result.BoundUsd} > optimum {optimum} types {string.Join(";", types)} prices {string.Join(";", prices)} jobs {string.Join(";", jobs)}");
            foreach (var slice in result.Slices.Concat(lpOnly.Slices))
            {
                // The raw fit-aware LP (before taking the max with the plain one) is never below the plain LP.
                Assert.True(slice.FitAwareUsdPerHour >= slice.PlainUsdPerHour - 1e-9, $"case {c}: {slice.FitAwareUsdPerHour} < plain {slice.PlainUsdPerHour}");
            }

            Assert.True(lpOnly.BoundUsd <= result.BoundUsd + 1e-9, $"case {c}: count rows lowered the bound");
            tighter += result.BoundUsd > result.PlainBoundUsd + 1e-9 ? 1 : 0;
        }

        Assert.True(tighter > 40, $"only {tighter} of 400 cases tighter than the plain LP");
    }

    [Fact]
    public void Compute_RandomStaggeredJobs_NeverBelowThePlainBound()
    {
        var rng = new Random(7);
        for (var c = 0; c < 100; c++)
        {
            var types = Enumerable.Range(0, rng.Next(2, 7))
                .Select(i => new MachineType($"t{i}", 1 << rng.Next(0, 5), 2 << rng.Next(0, 6)))
                .ToArray();
            var prices = PriceSchedule.FromChanges(types
                .Select(t => (IReadOnlyList<(long, double)>)[(0L, 0.03 * t.Vcpus * (0.4 + rng.NextDouble())), (rng.Next(1, 600), 0.03 * t.Vcpus * (0.4 + rng.NextDouble()))])
                .ToList());
            var jobs = Enumerable.Range(0, rng.Next(1, 40))
                .Select(_ => Job(rng.Next(1, 17) / 2.0, rng.Next(1, 65) / 2.0, start: rng.Next(0, 600), duration: rng.Next(1, 900)))
                .Where(j => types.Any(t => t.Fits(j)))
                .ToArray();

            var result = FitAwareLowerBound.Compute(jobs, types, prices);

            Assert.All(result.Slices, s => Assert.True(s.FitAwareUsdPerHour >= s.PlainUsdPerHour - 1e-9, $"case {c} slice {s.StartSecond}"));
            Assert.True(result.BoundUsd >= result.PlainBoundUsd - 1e-9);
        }
    }
}
