using System.Diagnostics;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Bench;

/// <summary>
/// A full harvest of a sandbox account into a fresh SQLite file, then an incremental one an
/// (simulated) hour later. Sandbox throttle and client budget are set high: this measures our side;
/// the time at the app's default budget (10 calls/s) is projected from the call count.
/// </summary>
internal static class HarvestBenchmark
{
    /// <summary>The frozen "now" of the simulation: same history, same numbers on every run.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const double DefaultBudgetCallsPerSecond = 10;

    public static async Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var jobs = args.Jobs ?? BenchArgs.DefaultHarvestJobs;
        var rps = args.RequestsPerSecond;
        var clock = new FixedTimeProvider(Now);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

        Console.WriteLine($"Starting the sandbox with {Fmt.N(jobs)} jobs…");
        await using var sandbox = await SandboxServer.StartAsync(new SandboxSettings
        {
            Port = 0,
            TargetJobCount = jobs,
            RequestsPerSecond = rps,
            Burst = (int)Math.Max(1, rps),
            TimeProvider = clock,
        }, cancellationToken);
        var jobsInAccount = sandbox.JobCountNow;
        Console.WriteLine($"Sandbox up in {Fmt.Duration(sandbox.StartupTime)} at {sandbox.BaseAddress}: {Fmt.N(jobsInAccount)} jobs created by now.");

        // What the process holds before the harvest starts (runtime, Kestrel, the simulated account).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baselineHeap = GC.GetTotalMemory(forceFullCollection: true);
        var baselineWorkingSet = MemorySampler.WorkingSetBytes;

        await using var db = await BenchDatabase.CreateFreshAsync(args.DbPath, cancellationToken);
        var target = new AwsTarget(sandbox.AccountId, sandbox.Region);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        // The bucket runs on real time (FixedTimeProvider keeps real timestamps) so it refills.
        var client = new BatchApiClient(http, target, sandbox.BaseAddress,
            AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey),
            new AwsCallPolicy(), new TokenBucket(rps, Math.Max(1, rps), TimeProvider.System), clock);
        var api = new CountingBatchApi(client);
        var harvester = new BatchHarvester(db.Factory, _ => api, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), clock,
            loggers.CreateLogger<BatchHarvester>());

        HarvestRunRow full;
        (long Inventory, long ListQueue, long ListArray, long Describe) fullCounts;
        TimeSpan fullTime;
        long peakHeap;
        await using (var sampler = new MemorySampler())
        {
            var watch = Stopwatch.StartNew();
            using (Progress(watch, api, db))
            {
                full = await harvester.HarvestAsync(target, cancellationToken);
            }

            fullCounts = api.Counts;

            fullTime = watch.Elapsed;
            peakHeap = sampler.PeakHeapBytes;
        }

        var peakWorkingSet = MemorySampler.PeakWorkingSetBytes;
        var storedJobs = await db.ScalarAsync("SELECT COUNT(*) FROM jobs", cancellationToken);
        var storedAttempts = await db.ScalarAsync("SELECT COUNT(*) FROM job_attempts", cancellationToken);
        await db.CheckpointAsync(cancellationToken);
        var dbSize = db.SizeBytes;

        // An hour later: new jobs, jobs that finished meanwhile.
        clock.Now = Now.AddHours(1);
        var jobsInAccountLater = sandbox.JobCountNow;
        var incrementalWatch = Stopwatch.StartNew();
        var incremental = await harvester.HarvestAsync(target, cancellationToken);
        var after = api.Counts;
        var incrementalCounts = (after.Inventory - fullCounts.Inventory, after.ListQueue - fullCounts.ListQueue,
            after.ListArray - fullCounts.ListArray, after.Describe - fullCounts.Describe);
        var incrementalTime = incrementalWatch.Elapsed;
        var storedLater = await db.ScalarAsync("SELECT COUNT(*) FROM jobs", cancellationToken);

        var report = new BenchReport("harvest", $"Harvest: {Fmt.N(jobs)} sandbox jobs into SQLite", ["Metric", "Full harvest", "Incremental (+1 h)"]);
        report.Add("Jobs in the account (created by now)", Fmt.N(jobsInAccount), Fmt.N(jobsInAccountLater));
        report.Add("Jobs stored (rows after the run)", Fmt.N(storedJobs), Fmt.N(storedLater));
        report.Add("Job rows inserted or changed", Fmt.N(full.JobsWritten), Fmt.N(incremental.JobsWritten));
        report.Add("Jobs listed / described", $"{Fmt.N(full.JobsListed)} / {Fmt.N(full.JobsDescribed)}", $"{Fmt.N(incremental.JobsListed)} / {Fmt.N(incremental.JobsDescribed)}");
        report.Add("Wall time", Fmt.Duration(fullTime), Fmt.Duration(incrementalTime));
        report.Add("Jobs stored per second", Fmt.N(storedJobs / fullTime.TotalSeconds, 0), "—");
        report.Add("AWS calls (throttled)", $"{Fmt.N(full.Calls)} ({Fmt.N(full.Throttled)})", $"{Fmt.N(incremental.Calls)} ({Fmt.N(incremental.Throttled)})");
        report.Add("Calls: inventory / ListJobs by queue / ListJobs by array / DescribeJobs", Breakdown(fullCounts), Breakdown(incrementalCounts));
        report.Add("Calls per 1,000 jobs (target ≤ 25, ideal 11)", Fmt.N(full.Calls * 1000d / Math.Max(1, storedJobs), 1), "—");
        report.Add("Projected time at the default 10 calls/s", Fmt.Duration(TimeSpan.FromSeconds(full.Calls / DefaultBudgetCallsPerSecond)),
            Fmt.Duration(TimeSpan.FromSeconds(incremental.Calls / DefaultBudgetCallsPerSecond)));
        report.Add("Peak working set (process, incl. sandbox)", Fmt.MiB(peakWorkingSet), "—");
        report.Add("Peak GC heap during harvest (incl. sandbox)", Fmt.MiB(peakHeap), "—");
        report.Add("Before harvest: working set / GC heap (sandbox + runtime)", $"{Fmt.MiB(baselineWorkingSet)} / {Fmt.MiB(baselineHeap)}", "—");
        report.Add("Attempt rows stored", Fmt.N(storedAttempts), "—");
        report.Add("DB file size (after WAL checkpoint)", Fmt.MiB(dbSize), Fmt.MiB(db.SizeBytes));
        report.Note($"Sandbox in-process (startup {Fmt.Duration(sandbox.StartupTime)}), clock frozen at {Now:yyyy-MM-ddTHH:mmZ}; sandbox throttle and client budget {Fmt.N(rps, 0)} calls/s.");
        report.Note("The incremental run moves the frozen clock one hour on: it lists active jobs, describes those that moved on and lists finished jobs back to the watermark.");
        return report;
    }

    private static string Breakdown((long Inventory, long ListQueue, long ListArray, long Describe) c) =>
        $"{Fmt.N(c.Inventory)} / {Fmt.N(c.ListQueue)} / {Fmt.N(c.ListArray)} / {Fmt.N(c.Describe)}";

    /// <summary>A line every 15 s so a long run shows it is alive.</summary>
    private static IDisposable Progress(Stopwatch watch, IBatchApi api, BenchDatabase db) =>
        new Timer(_ => Console.WriteLine($"  {Fmt.Duration(watch.Elapsed)}: {Fmt.N(api.Stats.Calls)} calls, DB {Fmt.MiB(db.SizeBytes)}"),
            null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
}
