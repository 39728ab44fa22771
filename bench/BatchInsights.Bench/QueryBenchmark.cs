using System.Diagnostics;
using BatchInsights.Core.Browse;

namespace BatchInsights.Bench;

/// <summary>
/// Latency of the job list and detail queries (<see cref="JobQueries"/>, as the Jobs page and the JSON
/// API call them) on a large SQLite file: warm-up first, then many iterations with varied inputs.
/// </summary>
internal static class QueryBenchmark
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const int Limit = JobQueries.DefaultLimit;
    private const int WalkPages = 2_000;
    private const double TargetP95Ms = 20;

    public static async Task<BenchReport> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        BenchDatabase db;
        string source;
        if (args.DbPath is { } path && File.Exists(path) && args.Rows is null)
        {
            db = await BenchDatabase.OpenAsync(path, cancellationToken);
            source = $"existing database {Path.GetFileName(path)}";
        }
        else
        {
            var rows = args.Rows ?? BenchArgs.DefaultQueryRows;
            Console.WriteLine($"Filling a fresh SQLite file with {Fmt.N(rows)} job rows…");
            db = await BenchDatabase.CreateFreshAsync(args.DbPath, cancellationToken);
            await JobRowFiller.FillAsync(db, rows, Now, cancellationToken);
            source = "bulk-filled synthetic rows";
        }

        await using (db)
        {
            await db.CheckpointAsync(cancellationToken);
            var rowCount = await db.ScalarAsync("SELECT COUNT(*) FROM jobs", cancellationToken);
            var queries = new JobQueries(db.Factory);
            var inputs = await Inputs.SampleAsync(db, cancellationToken);
            var iterations = args.Iterations;
            Console.WriteLine($"{Fmt.N(rowCount)} job rows, {Fmt.MiB(db.SizeBytes)}; {Fmt.N(iterations)} iterations per query.");

            // Separate sections in results.md for synthetic rows and a harvested database.
            var report = new BenchReport(source.StartsWith("existing", StringComparison.Ordinal) ? "query-existing-db" : "query",
                $"Job queries on {Fmt.N(rowCount)} rows (SQLite, {source})", ["Query", "p50", "p95", "p99", "max", "n", "p95 ≤ 20 ms"]);
            async Task Measure(string name, Func<int, Task<int>> call, int n)
            {
                // Warm-up: JIT, EF's compiled query cache, SQLite's page cache.
                for (var i = 0; i < Math.Min(30, n); i++)
                {
                    await call(i);
                }

                var samples = new double[n];
                var returned = 0L;
                for (var i = 0; i < n; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    returned += await call(i);
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                Add(report, name, samples, returned);
            }

            var all = new JobFilter();
            await Measure("First page, no filter (limit 50)", async _ => (await queries.ListAsync(all, null, Limit, cancellationToken)).Items.Count, iterations);
            await Measure("Deep page at a random cursor (no filter)",
                async i => (await queries.ListAsync(all, inputs.Cursors[i % inputs.Cursors.Count], Limit, cancellationToken)).Items.Count, iterations);

            // Consecutive pages with the cursor each page returns, as "next" clicks or an API client paging through.
            var walk = new double[WalkPages];
            string? next = null;
            var walked = 0L;
            var walkWatch = Stopwatch.StartNew();
            for (var i = 0; i < WalkPages; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var page = await queries.ListAsync(all, next, Limit, cancellationToken);
                walk[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                walked += page.Items.Count;
                next = page.Next;
                if (next is null)
                {
                    Array.Resize(ref walk, i + 1);
                    break;
                }
            }

            Add(report, $"Keyset walk, {Fmt.N(walk.Length)} consecutive pages", walk, walked);
            report.Note($"Keyset walk: {Fmt.N(walked)} rows in {Fmt.Duration(walkWatch.Elapsed)} ({Fmt.N(walked / walkWatch.Elapsed.TotalSeconds, 0)} rows/s).");

            await Measure("Queue + status filter, first page",
                async i =>
                {
                    var (queue, status) = inputs.QueueStatuses[i % inputs.QueueStatuses.Count];
                    return (await queries.ListAsync(new JobFilter(Queue: queue, Status: status), null, Limit, cancellationToken)).Items.Count;
                }, iterations);
            await Measure("Queue + status filter, page at a random cursor",
                async i =>
                {
                    var (queue, status) = inputs.QueueStatuses[i % inputs.QueueStatuses.Count];
                    var cursor = inputs.Cursors[i % inputs.Cursors.Count];
                    return (await queries.ListAsync(new JobFilter(Queue: queue, Status: status), cursor, Limit, cancellationToken)).Items.Count;
                }, iterations);
            await Measure("Name prefix = job definition (common)",
                async i => (await queries.ListAsync(new JobFilter(NamePrefix: inputs.CommonPrefixes[i % inputs.CommonPrefixes.Count]), null, Limit, cancellationToken)).Items.Count,
                iterations);
            await Measure("Name prefix of one job's name (rare)",
                async i => (await queries.ListAsync(new JobFilter(NamePrefix: inputs.RarePrefixes[i % inputs.RarePrefixes.Count]), null, Limit, cancellationToken)).Items.Count,
                Math.Min(iterations, 60));
            await Measure("Job detail by id (random job)",
                async i => await queries.GetJobAsync(inputs.JobIds[i % inputs.JobIds.Count], cancellationToken) is null ? 0 : 1, iterations);
            await Measure("Job detail of an array parent",
                async i => inputs.ArrayParents.Count == 0 ? 0
                    : await queries.GetJobAsync(inputs.ArrayParents[i % inputs.ArrayParents.Count], cancellationToken) is null ? 0 : 1,
                Math.Min(iterations, Math.Max(1, inputs.ArrayParents.Count * 3)));

            report.Note($"Data: {source}; {Fmt.N(rowCount)} job rows; DB {Fmt.MiB(db.SizeBytes)}. Single caller, warm cache, 30 warm-up calls per query.");
            report.Note("Random cursors, job ids and prefixes are sampled from the table (seeded), so every iteration hits a different spot.");
            return report;
        }
    }

    internal static void Add(BenchReport report, string name, double[] samples, long returned)
    {
        Array.Sort(samples);
        var p95 = Percentile(samples, 0.95);
        report.Add(name, Fmt.Ms(Percentile(samples, 0.50)), Fmt.Ms(p95), Fmt.Ms(Percentile(samples, 0.99)), Fmt.Ms(samples[^1]),
            Fmt.N(samples.Length), p95 <= TargetP95Ms ? "yes" : "**no**");
        Console.WriteLine($"  {name}: p50 {Fmt.Ms(Percentile(samples, 0.50))}, p95 {Fmt.Ms(p95)} ({Fmt.N(returned)} rows returned)");
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    internal static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed record Inputs(
        List<string> Cursors,
        List<(string Queue, string Status)> QueueStatuses,
        List<string> CommonPrefixes,
        List<string> RarePrefixes,
        List<string> JobIds,
        List<string> ArrayParents)
    {
        public static async Task<Inputs> SampleAsync(BenchDatabase db, CancellationToken cancellationToken)
        {
            var random = new Random(7);
            var maxRowId = await db.ScalarAsync("SELECT MAX(rowid) FROM jobs", cancellationToken);
            await using var connection = db.OpenConnection();
            await using var command = connection.CreateCommand();

            // Random rows by rowid: cheap, and spread over the whole table.
            command.CommandText = "SELECT CreatedAtMs, JobId, JobName, ArraySize FROM jobs WHERE rowid >= $r LIMIT 1";
            var parameter = command.Parameters.Add("$r", Microsoft.Data.Sqlite.SqliteType.Integer);
            var cursors = new List<string>();
            var ids = new List<string>();
            var rare = new List<string>();
            for (var i = 0; i < 500; i++)
            {
                parameter.Value = random.NextInt64(1, maxRowId + 1);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    var id = reader.GetString(1);
                    cursors.Add(new JobCursor(reader.GetInt64(0), id).Encode());
                    ids.Add(id);
                    rare.Add(reader.GetString(2));
                }
            }

            command.Parameters.Clear();
            command.CommandText = "SELECT JobId FROM jobs WHERE ArraySize > 0 LIMIT 200";
            var parents = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    parents.Add(reader.GetString(0));
                }
            }

            command.CommandText = "SELECT DISTINCT QueueName, Status FROM jobs";
            var pairs = new List<(string, string)>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    pairs.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            // What a user types: the job definition part of a name ("etl-nightly-j1234-t5" → "etl-nightly").
            var common = rare.Select(n => n.Contains("-j", StringComparison.Ordinal) ? n[..n.LastIndexOf("-j", StringComparison.Ordinal)] : n[..Math.Min(6, n.Length)])
                .Distinct(StringComparer.Ordinal).ToList();
            return new Inputs(cursors, pairs, common, rare.Take(60).ToList(), ids, parents);
        }
    }
}
