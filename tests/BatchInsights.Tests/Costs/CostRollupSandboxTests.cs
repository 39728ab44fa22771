using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Tests.Placement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Costs;

/// <summary>The sandbox harvested over HTTP (Batch, Spot prices, instances), then costs computed on a real SQLite file.</summary>
public sealed class CostRollupSandboxTests
{
    private const string LongEc2Memory = "\"faults\": {}, \"terminatedInstanceVisibleMinutes\": 100000";

    private static async Task<PlacementSandbox> HarvestedSandboxAsync()
    {
        var sandbox = await PlacementSandbox.StartAsync(LongEc2Memory);
        await sandbox.HarvestBatchAsync();
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock);
        var spot = new SpotPriceHarvester(sandbox.Database.Factory, _ => sandbox.NewEc2(), catalog,
            new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), sandbox.Clock, NullLogger<SpotPriceHarvester>.Instance);
        await spot.HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        await sandbox.InstanceHarvester().HarvestAsync(PlacementSandbox.Target, CancellationToken.None);
        return sandbox;
    }

    private static CostRollupService Service(PlacementSandbox sandbox) =>
        new(sandbox.Database.Factory, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, sandbox.Clock), Options.Create(new CostOptions()), sandbox.Clock,
            NullLogger<CostRollupService>.Instance);

    private static CostQueries Queries(PlacementSandbox sandbox) => new(sandbox.Database.Factory, Options.Create(new CostOptions()), sandbox.Clock);

    private static async Task<string> DumpAsync(PlacementSandbox sandbox)
    {
        await using var db = await sandbox.Database.Factory.CreateDbContextAsync();
        var attempts = await db.AttemptCosts.AsNoTracking().ToListAsync();
        var rollups = await db.CostRollups.AsNoTracking().ToListAsync();
        return string.Join('\n', attempts.Select(a => $"{a.JobId}/{a.AttemptIndex} {a.InstanceId} {a.Lifecycle} {a.CostMicroUsd} {a.Estimated} {a.EstimateBasis}").Order(StringComparer.Ordinal))
            + "\n--\n" + string.Join('\n', rollups.Select(r => $"{r.PeriodHours} {r.PeriodStartMs} {r.ComputeEnvironment} {r.QueueName} {r.JobDefinition} {r.TagKey}={r.TagValue} {r.ShareIdentifier} {r.Lifecycle} {r.IsIdle} {r.CostMicroUsd} {r.EstimatedMicroUsd} {r.Attempts}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunAsync_SandboxHarvest_AttemptsPlusIdleEqualInstanceCostAndEveryGroupingAgrees()
    {
        await using var sandbox = await HarvestedSandboxAsync();

        var run = await Service(sandbox).RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);

        await using var db = await sandbox.Database.Factory.CreateDbContextAsync();
        var attempts = await db.AttemptCosts.AsNoTracking().ToListAsync();
        var daily = await db.CostRollups.AsNoTracking().Where(r => r.PeriodHours == 24 && r.TagKey == "team").ToListAsync();
        var hourly = await db.CostRollups.AsNoTracking().Where(r => r.PeriodHours == 1 && r.TagKey == "project").ToListAsync();
        Assert.True(run.Instances > 0);
        Assert.True(attempts.Count > 100);
        Assert.Contains(attempts, a => a.Lifecycle == CostLifecycle.Spot && !a.Estimated && a.CostMicroUsd > 0);
        Assert.Contains(attempts, a => a.Lifecycle == CostLifecycle.OnDemand && a.CostMicroUsd > 0);
        Assert.Contains(attempts, a => a.Estimated);
        var total = CostLedger.ToMicros(run.InstanceTotalUsd);
        var idle = daily.Where(r => r.IsIdle).Sum(r => r.CostMicroUsd);
        Assert.True(idle > 0);
        // The window covers every attempt and instance on a first run, so Σ attempts + Σ idle = Σ instance cost (± rounding per row).
        var slack = attempts.Count + daily.Count;
        Assert.InRange(attempts.Sum(a => a.CostMicroUsd) + idle, total - slack, total + slack);
        Assert.InRange(daily.Sum(r => r.CostMicroUsd), total - slack, total + slack);
        Assert.InRange(hourly.Sum(r => r.CostMicroUsd), total - hourly.Count, total + hourly.Count);

        // Through the queries, every grouping over the whole history reports the same total.
        var from = daily.Min(r => r.PeriodStartMs);
        var to = daily.Max(r => r.PeriodStartMs) + 86_400_000;
        var totals = new List<decimal>();
        foreach (var groupBy in new[] { "queue", "ce", "definition", "share", "tag:team", "tag:project" })
        {
            var report = await Queries(sandbox).GetAsync(CostGrouping.Parse(groupBy), from, to, TargetFilter.All);
            Assert.Equal(report.TotalUsd, report.Groups.Sum(g => g.TotalUsd));
            totals.Add(report.TotalUsd);
        }

        Assert.All(totals, t => Assert.InRange(t, totals[0] - 0.001m, totals[0] + 0.001m));
        Assert.InRange(CostLedger.ToMicros(totals[0]), total - slack, total + slack);
    }

    [Fact]
    public async Task RunAsync_CancelledThenRunTwiceThenFromScratch_GivesIdenticalRows()
    {
        await using var sandbox = await HarvestedSandboxAsync();
        var service = Service(sandbox);
        using (var cts = new CancellationTokenSource())
        {
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, cts.Token));
        }

        await using (var db = await sandbox.Database.Factory.CreateDbContextAsync())
        {
            Assert.False(await db.AttemptCosts.AnyAsync());
            Assert.False(await db.HarvestWatermarks.AnyAsync(w => w.Scope == CostRollupService.WatermarkScope));
        }

        await service.RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);
        var first = await DumpAsync(sandbox);
        Assert.NotEqual("\n--\n", first);

        // Nothing new: instances just seen (frozen clock) fall inside the watermark's slack and are recomputed to the same rows.
        var again = await service.RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);
        Assert.Equal(first, await DumpAsync(sandbox));

        // A run that lost its watermark (as after a kill before commit) recomputes everything to the same rows.
        await using (var db = await sandbox.Database.Factory.CreateDbContextAsync())
        {
            await db.HarvestWatermarks.Where(w => w.Scope == CostRollupService.WatermarkScope).ExecuteDeleteAsync();
        }

        await service.RunAsync(PlacementSandbox.Target.Account, PlacementSandbox.Target.Region, CancellationToken.None);
        Assert.Equal(first, await DumpAsync(sandbox));
        Assert.True(again.Attempts > 0);
    }
}
