using System.Diagnostics;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Bench;

/// <summary>
/// The cost roll-up (CostRollupService → CostInputs → CostLedger → attempt_costs + cost_rollups) over a generated account
/// (<see cref="CostWorld"/>): the first, full computation, then an incremental run an hour later after
/// <see cref="NewAttempts"/> new attempts on instances still running (which the next instance harvest sees again).
/// </summary>
internal static class CostBenchmark
{
    private const int NewAttempts = 1_000;

    public static async Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var catalog = CostWorldStore.NewCatalog();
        await using var store = await CostWorldStore.OpenAsync(args, catalog, copyExisting: true, cancellationToken);
        // The cost job runs a minute after the harvest that wrote the data (at the same millisecond, the run could not
        // tell those rows from ones a harvest commits just after it: it would rightly read them again next time).
        var clock = new FixedTimeProvider(CostWorldStore.Now.AddMinutes(1));
        var service = new CostRollupService(store.Store.Factory, catalog, Options.Create(new CostOptions()), clock, NullLogger<CostRollupService>.Instance);

        var full = await MeasureAsync("full", () => service.RunAllAsync(cancellationToken));
        var fullRows = await CountRowsAsync(store.Store.Factory, cancellationToken);

        // An hour later: 1,000 short jobs ran on instances that are still running, and those instances were seen again.
        var later = CostWorldStore.Now.AddHours(1);
        await AddLaterAttemptsAsync(store, later, cancellationToken);
        clock.Now = later;
        var incremental = await MeasureAsync("incremental", () => service.RunAllAsync(cancellationToken));
        var laterRows = await CountRowsAsync(store.Store.Factory, cancellationToken);

        var provider = store.Postgres ? "PostgreSQL" : "SQLite";
        var report = new BenchReport("costs" + (store.Postgres ? "-postgres" : ""), $"Cost roll-up over {Fmt.N(args.Jobs ?? 1_000_000)} jobs ({provider})",
            ["Metric", "Full first computation", $"Incremental (+{NewAttempts:N0} attempts, 1 h later)"]);
        report.Add("Wall time (CostRollupService.RunAllAsync)", "**" + Fmt.Duration(full.Time) + "**", "**" + Fmt.Duration(incremental.Time) + "**");
        report.Add("Window recomputed (UTC days)", Days(full.Results), Days(incremental.Results));
        report.Add("Instances costed / attempt cost rows written", $"{Fmt.N(full.Results.Sum(r => r.Instances))} / {Fmt.N(full.Results.Sum(r => r.Attempts))}",
            $"{Fmt.N(incremental.Results.Sum(r => r.Instances))} / {Fmt.N(incremental.Results.Sum(r => r.Attempts))}");
        report.Add("Roll-up rows written (hourly + daily)", Fmt.N(full.Results.Sum(r => r.Rollups)), Fmt.N(incremental.Results.Sum(r => r.Rollups)));
        report.Add("Rows in attempt_costs / cost_rollups after the run", $"{Fmt.N(fullRows.Attempts)} / {Fmt.N(fullRows.Rollups)}", $"{Fmt.N(laterRows.Attempts)} / {Fmt.N(laterRows.Rollups)}");
        report.Add("Instance cost in the window (USD)", full.Results.Sum(r => r.InstanceTotalUsd).ToString("N2", System.Globalization.CultureInfo.InvariantCulture),
            incremental.Results.Sum(r => r.InstanceTotalUsd).ToString("N2", System.Globalization.CultureInfo.InvariantCulture));
        report.Add("Peak managed heap during the run (sampled every 50 ms)", Fmt.MiB(full.PeakHeap), Fmt.MiB(incremental.PeakHeap));
        report.Add("Peak working set during the run (sampled)", Fmt.MiB(full.PeakWorkingSet), Fmt.MiB(incremental.PeakWorkingSet));
        report.Add("Before the run: managed heap / working set", $"{Fmt.MiB(full.BaseHeap)} / {Fmt.MiB(full.BaseWorkingSet)}", $"{Fmt.MiB(incremental.BaseHeap)} / {Fmt.MiB(incremental.BaseWorkingSet)}");
        report.Note($"Database: {provider}; {store.Origin}.");
        report.Note("The full run has no watermark: every day with a started job or a live instance is recomputed in one transaction "
            + "(delete + insert of the window's attempt costs and roll-ups). The incremental run recomputes only the days touched by jobs, "
            + "instances and placements that changed since the previous run's watermark (its \"now\", or the start of a harvest still running then). "
            + "The full run is at the data's now + 1 min (after the harvest that wrote it).");
        report.Note("2 cores shared with other helpers' builds and tests (see the load note in README).");
        return report;
    }

    private static async Task<Measured> MeasureAsync(string label, Func<Task<IReadOnlyList<CostRunResult>>> run)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var baseHeap = GC.GetTotalMemory(forceFullCollection: true);
        var baseWorkingSet = MemorySampler.WorkingSetBytes;
        await using var sampler = new MemorySampler();
        var watch = Stopwatch.StartNew();
        var results = await run();
        var time = watch.Elapsed;
        Console.WriteLine($"Cost run ({label}): {Fmt.Duration(time)}, {Fmt.N(results.Sum(r => r.Attempts))} attempt rows, {Fmt.N(results.Sum(r => r.Rollups))} roll-ups");
        return new Measured(time, results, baseHeap, baseWorkingSet, sampler.PeakHeapBytes, sampler.SampledPeakWorkingSetBytes);
    }

    private static string Days(IReadOnlyList<CostRunResult> results) =>
        string.Join(", ", results.Where(r => r.WindowEndMs > r.WindowStartMs)
            .Select(r => Fmt.N((r.WindowEndMs - r.WindowStartMs) / 86_400_000d, 0)));

    private static async Task<(long Attempts, long Rollups)> CountRowsAsync(IDbContextFactory<BatchInsightsDbContext> factory, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return (await db.AttemptCosts.LongCountAsync(cancellationToken), await db.CostRollups.LongCountAsync(cancellationToken));
    }

    /// <summary>What the next Batch and instance harvests would write: new finished jobs with their attempts, and LastSeenMs moved on.</summary>
    private static async Task AddLaterAttemptsAsync(CostWorldStore store, DateTimeOffset later, CancellationToken cancellationToken)
    {
        var nowMs = CostWorldStore.Now.ToUnixTimeMilliseconds();
        var laterMs = later.ToUnixTimeMilliseconds();
        await using var db = await store.Store.Factory.CreateDbContextAsync(cancellationToken);
        var running = await (
            from i in db.Ec2Instances.AsNoTracking()
            join c in db.ContainerInstances.AsNoTracking() on new { i.Account, i.Region, Id = (string?)i.InstanceId } equals new { c.Account, c.Region, Id = c.Ec2InstanceId }
            where i.TerminatedAtMs == null && i.Lifecycle == CostLifecycle.OnDemand
            orderby i.InstanceId
            select new { i.Account, i.Region, i.ComputeEnvironmentName, c.ContainerInstanceArn }).ToListAsync(cancellationToken);
        var queues = await db.JobQueues.AsNoTracking().ToListAsync(cancellationToken);
        if (running.Count == 0)
        {
            throw new InvalidOperationException("No On-Demand instance is running at 'now' to place the new attempts on.");
        }

        await db.Ec2Instances.Where(i => i.TerminatedAtMs == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.LastSeenMs, laterMs), cancellationToken);
        var harvestedAt = later.UtcDateTime;
        await using var writer = store.OpenWriter();
        using (var jobs = writer.Open("jobs", "Account", "Region", "JobId", "JobName", "QueueName", "Status", "CreatedAtMs", "StartedAtMs", "StoppedAtMs",
            "JobDefinitionArn", "Vcpus", "MemoryMib", "ExitCode", "AttemptCount", "IsTerminal", "FromSummary", "HarvestedAt"))
        {
            for (var n = 0; n < NewAttempts; n++)
            {
                var host = running[n % running.Count];
                var start = nowMs + (n * 1_800_000L / NewAttempts);
                var queue = queues.FirstOrDefault(q => q.ComputeEnvironmentOrder.EndsWith("/" + host.ComputeEnvironmentName, StringComparison.Ordinal))?.Name ?? "critical";
                jobs.Add(host.Account, host.Region, $"later-{n:D6}", $"later-{n}", queue, "SUCCEEDED", start - 1_000, start, start + 1_200_000,
                    $"arn:aws:batch:{host.Region}:{host.Account}:job-definition/etl-nightly:1", 1.0, 512L, 0, 1, true, false, harvestedAt);
            }
        }

        using (var attempts = writer.Open("job_attempts", "Account", "Region", "JobId", "AttemptIndex", "ContainerInstanceArn", "StartedAtMs", "StoppedAtMs", "ExitCode"))
        {
            for (var n = 0; n < NewAttempts; n++)
            {
                var host = running[n % running.Count];
                var start = nowMs + (n * 1_800_000L / NewAttempts);
                attempts.Add(host.Account, host.Region, $"later-{n:D6}", 0, host.ContainerInstanceArn, start, start + 1_200_000, 0);
            }
        }

        await writer.CommitAsync(cancellationToken);
    }

    private sealed record Measured(TimeSpan Time, IReadOnlyList<CostRunResult> Results, long BaseHeap, long BaseWorkingSet, long PeakHeap, long PeakWorkingSet);
}
