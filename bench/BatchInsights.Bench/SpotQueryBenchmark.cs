using System.Diagnostics;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Bench;

/// <summary>
/// Latency of the Spot price queries (<see cref="SpotPriceQueries"/>, as the Spot prices page and
/// /api/v1/spot-prices call them, without account or region) on a harvested SQLite file (harvest --db).
/// </summary>
internal static class SpotQueryBenchmark
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static async Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var path = args.DbPath ?? throw new ArgumentException("spot-query needs --db (a database a harvest kept with --db).");
        await using var db = await BenchDatabase.OpenAsync(path, cancellationToken);
        await db.CheckpointAsync(cancellationToken);
        var rows = await db.ScalarAsync("SELECT COUNT(*) FROM spot_price_changes", cancellationToken);
        var clock = new FixedTimeProvider(Now);
        var queries = new SpotPriceQueries(db.Factory, new InstanceCatalog(NullLogger<InstanceCatalog>.Instance, clock), clock);
        var types = await queries.ListInstanceTypesAsync(cancellationToken);
        if (types.Count == 0)
        {
            throw new InvalidOperationException($"{path} holds no Spot price changes: run harvest --db {path} first.");
        }

        string zone;
        await using (var context = await db.Factory.CreateDbContextAsync(cancellationToken))
        {
            zone = await context.SpotPriceChanges.Select(r => r.AvailabilityZone).FirstAsync(cancellationToken);
        }

        var iterations = args.Iterations;
        var report = new BenchReport("spot-query", $"Spot price queries on {Fmt.N(rows)} price changes (SQLite, {Path.GetFileName(path)})",
            ["Query", "p50", "p95", "p99", "max", "n", "p95 ≤ 20 ms"]);
        async Task Measure(string name, Func<int, Task<int>> call)
        {
            for (var i = 0; i < Math.Min(10, iterations); i++)
            {
                await call(i);
            }

            var samples = new double[iterations];
            var returned = 0L;
            for (var i = 0; i < iterations; i++)
            {
                var start = Stopwatch.GetTimestamp();
                returned += await call(i);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            QueryBenchmark.Add(report, name, samples, returned);
        }

        await Measure("Instance types with prices (page's type picker)", async _ => (await queries.ListInstanceTypesAsync(cancellationToken)).Count);
        await Measure("One type, all AZs, last 7 days", async i =>
            (await queries.GetHistoryAsync(new SpotPriceFilter(types[i % types.Count]), cancellationToken: cancellationToken)).Items.Count);
        await Measure("One type, one AZ, last 7 days", async i =>
            (await queries.GetHistoryAsync(new SpotPriceFilter(types[i % types.Count], zone), cancellationToken: cancellationToken)).Items.Count);
        await Measure("One type, all AZs, 90 days", async i =>
            (await queries.GetHistoryAsync(new SpotPriceFilter(types[i % types.Count], FromMs: (Now - TimeSpan.FromDays(90)).ToUnixTimeMilliseconds()), cancellationToken: cancellationToken)).Items.Count);
        report.Note($"{Fmt.N(types.Count)} instance types; each iteration asks for the next one. Single caller, warm cache, 10 warm-up calls per query.");
        return report;
    }
}
