using System.Diagnostics;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using BatchInsights.Core.Recommendations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Bench;

/// <summary>
/// Issue 4's runtime target: recommendations over 1,000,000 jobs in under 10 s. The app's own RecommendationInputLoader
/// (DB → RecommendationInput) and Recommender with every rule registered by AddRecommendations, on a generated account
/// (<see cref="CostWorld"/>). Two runs: cold (first in the process: JIT, EF model, SQLite page cache) and warm.
/// </summary>
internal static class RecommendBenchmark
{
    public static async Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var catalog = CostWorldStore.NewCatalog();
        await using var store = await CostWorldStore.OpenAsync(args, catalog, copyExisting: false, cancellationToken);
        var clock = new FixedTimeProvider(CostWorldStore.Now);
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSingleton(store.Store.Factory)
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<IInstanceCatalog>(catalog)
            .AddRecommendations()
            .BuildServiceProvider();
        await using var _ = services;
        var settings = new RecommendationOptions().ToSettings();
        var window = TimeSpan.FromDays(new RecommendationOptions().WindowDays);
        long jobRows, attemptRows, spotRows;
        await using (var db = await store.Store.Factory.CreateDbContextAsync(cancellationToken))
        {
            jobRows = await db.Jobs.LongCountAsync(cancellationToken);
            attemptRows = await db.JobAttempts.LongCountAsync(cancellationToken);
            spotRows = await db.SpotPriceChanges.LongCountAsync(cancellationToken);
        }

        var rules = services.GetServices<IRecommendationRule>().ToList();
        var recommender = services.GetRequiredService<Recommender>();
        var runs = new List<Run>();
        for (var i = 0; i < args.Runs; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var baseHeap = GC.GetTotalMemory(forceFullCollection: true);
            var baseWorkingSet = MemorySampler.WorkingSetBytes;
            await using var sampler = new MemorySampler();
            var watch = Stopwatch.StartNew();
            var loader = services.GetRequiredService<RecommendationInputLoader>();
            var input = await loader.LoadAsync(settings, window, cancellationToken);
            var load = watch.Elapsed;
            watch.Restart();
            var recommendations = recommender.Evaluate(input);
            var evaluate = watch.Elapsed;
            var peakHeap = sampler.PeakHeapBytes;
            var peakWorkingSet = sampler.SampledPeakWorkingSetBytes;

            // Per rule, on the same input (after the timed run, so it does not add to it).
            var perRule = rules.Select(r =>
            {
                var w = Stopwatch.StartNew();
                var n = r.Evaluate(input).Count();
                return (r.Id, w.Elapsed, n);
            }).ToList();
            runs.Add(new Run(load, evaluate, input.Jobs.Count, input.SpotPrices.Sum(s => s.Points.Count), input.StuckJobs.Count, recommendations.Count,
                baseHeap, baseWorkingSet, peakHeap, peakWorkingSet, perRule));
            Console.WriteLine($"Run {i + 1}: load {Fmt.Duration(load)}, rules {Fmt.Duration(evaluate)}, {Fmt.N(input.Jobs.Count)} observed jobs, {recommendations.Count} recommendations");
            foreach (var r in recommendations)
            {
                Console.WriteLine($"  {r.RuleId} {r.Target.Name}: {r.Title} ({r.Savings.MonthlyUsd:0.00} USD/month)");
            }
        }

        var provider = store.Postgres ? "PostgreSQL" : "SQLite";
        var report = new BenchReport("recommend" + (store.Postgres ? "-postgres" : ""),
            $"Recommendations over {Fmt.N(jobRows)} jobs ({provider})", ["Metric", "Cold run (first in process)", "Warm run"]);
        void Add(string metric, Func<Run, string> f) => report.Add(metric, f(runs[0]), runs.Count > 1 ? f(runs[^1]) : "–");
        Add("Load: RecommendationInputLoader.LoadAsync (DB → input)", r => Fmt.Duration(r.Load));
        Add("Rules: Recommender.Evaluate (all rules, sorted)", r => Fmt.Duration(r.Evaluate));
        Add("**Total: load + rules** (target < 10 s)", r => "**" + Fmt.Duration(r.Load + r.Evaluate) + "**");
        foreach (var (id, index) in rules.Select((r, k) => (r.Id, k)))
        {
            Add($"  rule {id} alone (same input, after the timed run)", r => $"{Fmt.Duration(r.PerRule[index].Time)} ({r.PerRule[index].Count} recs)");
        }

        Add("Observed jobs in the input (finished in the 14-day window)", r => Fmt.N(r.ObservedJobs));
        Add("Spot price points in the input / stuck (RUNNABLE) jobs", r => $"{Fmt.N(r.SpotPoints)} / {Fmt.N(r.Stuck)}");
        Add("Recommendations", r => Fmt.N(r.Recommendations));
        Add("Peak managed heap during the run (sampled every 50 ms)", r => Fmt.MiB(r.PeakHeap));
        Add("Peak working set during the run (sampled)", r => Fmt.MiB(r.PeakWorkingSet));
        Add("Before the run: managed heap / working set", r => $"{Fmt.MiB(r.BaseHeap)} / {Fmt.MiB(r.BaseWorkingSet)}");
        report.Note($"Database: {provider}, {Fmt.N(jobRows)} job rows, {Fmt.N(attemptRows)} attempt rows, {Fmt.N(spotRows)} Spot price changes; {store.Origin}.");
        report.Note("Included in the total: every query of RecommendationInputLoader (CEs, queues, attempt → container instance → EC2 instance placements, jobs of the window, "
            + "Spot price history, network, RUNNABLE jobs, failed attempts) and materialising the input, then every registered rule and the sort. "
            + "Not included: generating and writing the data, storing the run (RecommendationStore), process start.");
        report.Note($"Rules registered: {string.Join(", ", rules.Select(r => r.Id))}. 2 cores shared with other helpers' builds and tests (see the load note in README).");
        return report;
    }

    private sealed record Run(TimeSpan Load, TimeSpan Evaluate, int ObservedJobs, int SpotPoints, int Stuck, int Recommendations,
        long BaseHeap, long BaseWorkingSet, long PeakHeap, long PeakWorkingSet, List<(string Id, TimeSpan Time, int Count)> PerRule);
}
