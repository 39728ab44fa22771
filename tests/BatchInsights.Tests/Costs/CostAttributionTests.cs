using BatchInsights.Core.Costs;

namespace BatchInsights.Tests.Costs;

public sealed class CostAttributionTests
{
    private const long H = CostAttribution.HourMs;
    private const long T0 = 1_700_000_000_000 - (1_700_000_000_000 % H); // an hour boundary

    private static readonly Capacity M5Large = new(2, 8192, 0);

    private static CostInstance Instance(
        long startMs = T0, long endMs = T0 + H, Capacity? capacity = null, IReadOnlyList<PriceSegment>? prices = null, string lifecycle = CostLifecycle.OnDemand) =>
        new("i-1", "m5.large", "us-east-1a", lifecycle, "ce", startMs, endMs, capacity ?? M5Large, prices ?? [new PriceSegment(0, 0.096m)], Estimated: false);

    private static CostAttempt Attempt(string job, double vcpus = 1, long memoryMib = 1024, int gpus = 0, long startMs = T0, long stopMs = T0 + H) =>
        new(new AttemptKey("123", "us-east-1", job, 0), vcpus, memoryMib, gpus, startMs, stopMs);

    [Fact]
    public void Attribute_SpotPriceChangesMidAttempt_ChargesEachPriceForItsPart()
    {
        var instance = Instance(prices: [new PriceSegment(T0 - H, 0.04m), new PriceSegment(T0 + (H / 2), 0.08m)], lifecycle: CostLifecycle.Spot);

        var charge = CostAttribution.Attribute(instance, [Attempt("a", vcpus: 2, memoryMib: 1024)]);

        // Half an hour at $0.04 + half an hour at $0.08, whole instance reserved (2 of 2 vCPUs).
        Assert.Equal(0.06m, charge.TotalUsd);
        Assert.Equal(0.06m, charge.Attempts[0].CostUsd);
        Assert.Equal(0m, charge.IdleUsd);
    }

    [Fact]
    public void Attribute_InstanceRanTenSeconds_BillsSixtySecondMinimumAsIdle()
    {
        var instance = Instance(endMs: T0 + 10_000, prices: [new PriceSegment(0, 3.6m)]);

        var charge = CostAttribution.Attribute(instance, [Attempt("a", vcpus: 2, stopMs: T0 + 10_000)]);

        // $3.6/h = $0.001/s: 60 s billed, the job used 10 s of it.
        Assert.Equal(0.06m, charge.TotalUsd);
        Assert.Equal(0.01m, charge.Attempts[0].CostUsd);
        Assert.Equal(0.05m, charge.IdleUsd);
    }

    [Fact]
    public void Attribute_TwoJobsShareInstance_EachPaysItsShareAndRestIsIdle()
    {
        var charge = CostAttribution.Attribute(Instance(prices: [new PriceSegment(0, 1m)]),
            [Attempt("a", vcpus: 1, memoryMib: 1024), Attempt("b", vcpus: 0.5, memoryMib: 1024, stopMs: T0 + (H / 2))]);

        Assert.Equal(0.5m, charge.Attempts.Single(a => a.Key.JobId == "a").CostUsd);
        Assert.Equal(0.125m, charge.Attempts.Single(a => a.Key.JobId == "b").CostUsd);
        Assert.Equal(0.375m, charge.IdleUsd);
        Assert.Equal(charge.TotalUsd, charge.Attempts.Sum(a => a.CostUsd) + charge.IdleUsd);
    }

    [Fact]
    public void Attribute_MemoryHeavyJob_ChargedByMemoryFraction()
    {
        var charge = CostAttribution.Attribute(Instance(prices: [new PriceSegment(0, 1m)]), [Attempt("mem", vcpus: 0.25, memoryMib: 6144)]);

        Assert.Equal(0.75m, charge.Attempts[0].Share);
        Assert.Equal(0.75m, charge.Attempts[0].CostUsd);
    }

    [Fact]
    public void Attribute_GpuJob_ChargedByGpuFraction()
    {
        var g5 = new Capacity(48, 196_608, 4);

        var charge = CostAttribution.Attribute(Instance(capacity: g5, prices: [new PriceSegment(0, 16m)]), [Attempt("gpu", vcpus: 4, memoryMib: 16_384, gpus: 2)]);

        Assert.Equal(0.5m, charge.Attempts[0].Share);
        Assert.Equal(8m, charge.Attempts[0].CostUsd);
        Assert.Equal(8m, charge.IdleUsd);
    }

    [Fact]
    public void Attribute_OversubscribedEstimate_NeverChargesMoreThanInstance()
    {
        var charge = CostAttribution.Attribute(Instance(prices: [new PriceSegment(0, 1m)]), [Attempt("a", vcpus: 2), Attempt("b", vcpus: 2)]);

        Assert.Equal(0.5m, charge.Attempts[0].CostUsd);
        Assert.Equal(0.5m, charge.Attempts[1].CostUsd);
        Assert.Equal(0m, charge.IdleUsd);
    }

    [Fact]
    public void Attribute_InstanceAcrossHours_SplitsCostAtHourBoundaries()
    {
        var charge = CostAttribution.Attribute(Instance(startMs: T0 + (H / 2), endMs: T0 + (2 * H), prices: [new PriceSegment(0, 1m)]), []);

        Assert.Equal(0.5m, charge.IdleByHour[T0]);
        Assert.Equal(1m, charge.IdleByHour[T0 + H]);
        Assert.Equal(1.5m, charge.TotalUsd);
    }

    [Fact]
    public void EstimateAlone_UnknownInstance_ChargesShareOfAssumedType()
    {
        var charge = CostAttribution.EstimateAlone(Attempt("x", vcpus: 1, memoryMib: 2048), M5Large, [new PriceSegment(0, 0.096m)]);

        Assert.Equal(0.5m, charge.Share);
        Assert.Equal(0.048m, charge.CostUsd);
    }

    [Fact]
    public void Fargate_ShortTask_BillsOneMinuteOfVcpuAndMemory()
    {
        var charge = CostAttribution.Fargate(Attempt("f", vcpus: 1, memoryMib: 2048, stopMs: T0 + 5_000), new FargateRates(0.6m, 0.06m));

        // (1 × 0.6 + 2 × 0.06) $/h for one minute.
        Assert.Equal(0.012m, charge.CostUsd);
    }
}
