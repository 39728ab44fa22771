using System.Diagnostics;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using Microsoft.EntityFrameworkCore;
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
        var zones = args.Zones is { } n ? Enumerable.Range(0, n).Select(i => "us-east-1" + (char)('a' + i)).ToList() : null;
        using var scenario = BenchScenario.Create(args.ThrottleShare, zones);
        await using var sandbox = await SandboxServer.StartAsync(new SandboxSettings
        {
            Port = 0,
            ScenarioPath = scenario.Path,
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

        await using var db = args.Postgres
            ? await PostgresHarvestStore.CreateAsync(cancellationToken)
            : await SqliteHarvestStore.CreateAsync(args.DbPath, cancellationToken);
        var target = new AwsTarget(sandbox.AccountId, sandbox.Region);
        var credentials = AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        // The bucket runs on real time (FixedTimeProvider keeps real timestamps) so it refills.
        var client = new BatchApiClient(http, target, sandbox.BaseAddress, credentials,
            new AwsCallPolicy(), new TokenBucket(rps, Math.Max(1, rps), TimeProvider.System), clock);
        var api = new CountingBatchApi(client);
        var notifier = new HarvestNotifier(NullLogger<HarvestNotifier>.Instance);
        var harvester = new BatchHarvester(db.Factory, _ => api, notifier, clock, loggers.CreateLogger<BatchHarvester>());

        HarvestRunRow full;
        (long Inventory, long ListQueue, long ListArray, long Describe) fullCounts;
        TimeSpan fullTime;
        long peakHeap;
        await using (var sampler = new MemorySampler())
        {
            var watch = Stopwatch.StartNew();
            using (Progress(watch, api))
            {
                full = await harvester.HarvestAsync(target, cancellationToken);
            }

            fullCounts = api.Counts;

            fullTime = watch.Elapsed;
            peakHeap = sampler.PeakHeapBytes;
        }

        var peakWorkingSet = MemorySampler.PeakWorkingSetBytes;
        var storedJobs = await CountAsync(db, d => d.Jobs.LongCountAsync(cancellationToken));
        var storedAttempts = await CountAsync(db, d => d.JobAttempts.LongCountAsync(cancellationToken));
        var dbSize = await db.SizeBytesAsync(cancellationToken);

        // Spot prices: the same harvester as the app, over the pools of the CEs the Batch harvest stored.
        var catalog = new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock);
        HarvestRunRow? spot = null;
        TimeSpan spotTime = default;
        SpotCheck? spotCheck = null;
        if (args.Spot)
        {
            Console.WriteLine("Spot price harvest (90 days)…");
            var spotHarvester = new SpotPriceHarvester(db.Factory,
                t => new Ec2Api(t, sandbox.BaseAddress, credentials, new AwsCallPolicy(), new TokenBucket(rps, Math.Max(1, rps), TimeProvider.System)),
                catalog, notifier, clock, loggers.CreateLogger<SpotPriceHarvester>());
            var spotWatch = Stopwatch.StartNew();
            spot = await spotHarvester.HarvestAsync(target, cancellationToken);
            spotTime = spotWatch.Elapsed;
            spotCheck = await HarvestVerification.CheckSpotPricesAsync(db.Factory, catalog, target, sandbox.BaseAddress, credentials, clock, cancellationToken);
        }

        Console.WriteLine("Checking the stored jobs against the sandbox…");
        var jobCheck = await HarvestVerification.CheckJobsAsync(db.Factory, sandbox, clock.GetUtcNow(), cancellationToken);

        // An hour later: new jobs, jobs that finished meanwhile.
        clock.Now = Now.AddHours(1);
        var jobsInAccountLater = sandbox.JobCountNow;
        var incrementalWatch = Stopwatch.StartNew();
        var incremental = await harvester.HarvestAsync(target, cancellationToken);
        var after = api.Counts;
        var incrementalCounts = (after.Inventory - fullCounts.Inventory, after.ListQueue - fullCounts.ListQueue,
            after.ListArray - fullCounts.ListArray, after.Describe - fullCounts.Describe);
        var incrementalTime = incrementalWatch.Elapsed;
        var storedLater = await CountAsync(db, d => d.Jobs.LongCountAsync(cancellationToken));

        var variant = (args.Postgres ? "-postgres" : "") + (args.ThrottleShare > 0 ? "-throttled" : "");
        var title = $"Harvest: {Fmt.N(jobs)} sandbox jobs into {db.Description}"
            + (args.ThrottleShare > 0 ? $", sandbox throttling {args.ThrottleShare:P0} of calls" : "");
        var report = new BenchReport("harvest" + variant, title, ["Metric", "Full harvest", "Incremental (+1 h)"]);
        report.Add("Jobs in the account (created by now)", Fmt.N(jobsInAccount), Fmt.N(jobsInAccountLater));
        report.Add("Jobs stored (rows after the run)", Fmt.N(storedJobs), Fmt.N(storedLater));
        report.Add("Stored job ids vs the sandbox: missing / extra / duplicated", jobCheck.Describe(), "—");
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
        report.Add("Database size" + (args.Postgres ? " (pg_database_size)" : " (after WAL checkpoint)"), Fmt.MiB(dbSize), Fmt.MiB(await db.SizeBytesAsync(cancellationToken)));
        if (spot is not null && spotCheck is not null)
        {
            report.Add("Spot: pools × days harvested", $"{Fmt.N(spotCheck.Pools)} pools × {Fmt.N(spotCheck.Days, 0)} days", "—");
            report.Add("Spot: price changes stored / wall time", $"{Fmt.N(spotCheck.Stored)} / {Fmt.Duration(spotTime)}", "—");
            report.Add("Spot: AWS calls (throttled)", $"{Fmt.N(spot.Calls)} ({Fmt.N(spot.Throttled)})", "—");
            report.Add("Spot: stored vs a direct read of the sandbox: missing / extra", $"{Fmt.N(spotCheck.Missing)} / {Fmt.N(spotCheck.Extra)}"
                + (spotCheck.SameMillisecond > 0 ? $" ({Fmt.N(spotCheck.SameMillisecond)} keys with two prices in one ms)" : ""), "—");
        }

        report.Note($"Sandbox in-process (startup {Fmt.Duration(sandbox.StartupTime)}), clock frozen at {Now:yyyy-MM-ddTHH:mmZ}; sandbox throttle and client budget {Fmt.N(rps, 0)} calls/s"
            + (args.ThrottleShare > 0 ? $"; scenario faults {{\"*\": {{\"throttleShare\": {args.ThrottleShare.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}}} (every operation; the client retries with jittered backoff, base 200 ms)." : "."));
        report.Note("Job check: every id the sandbox created by the frozen now (array children included, multi-node node jobs excluded: the harvester stores the MNP parent) against the stored ids.");
        if (spotCheck is not null)
        {
            report.Note("Spot check: the stored (pool, product, timestamp, price) rows against one unthrottled-retrying DescribeSpotPriceHistory read of the same 90-day window.");
        }

        report.Note("The incremental run moves the frozen clock one hour on: it lists active jobs, describes those that moved on and lists finished jobs back to the watermark.");
        return report;
    }

    private static async Task<long> CountAsync(IHarvestStore store, Func<BatchInsightsDbContext, Task<long>> count)
    {
        await using var db = await store.Factory.CreateDbContextAsync();
        return await count(db);
    }

    private static string Breakdown((long Inventory, long ListQueue, long ListArray, long Describe) c) =>
        $"{Fmt.N(c.Inventory)} / {Fmt.N(c.ListQueue)} / {Fmt.N(c.ListArray)} / {Fmt.N(c.Describe)}";

    /// <summary>A line every 15 s so a long run shows it is alive.</summary>
    private static IDisposable Progress(Stopwatch watch, IBatchApi api) =>
        new Timer(_ => Console.WriteLine($"  {Fmt.Duration(watch.Elapsed)}: {Fmt.N(api.Stats.Calls)} calls ({Fmt.N(api.Stats.Throttled)} throttled)"),
            null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
}
