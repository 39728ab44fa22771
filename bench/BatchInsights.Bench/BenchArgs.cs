using System.Globalization;

namespace BatchInsights.Bench;

/// <summary>Command line: <c>harvest [--jobs N] [--db path]</c> or <c>query [--rows N] [--db path] [--iterations N]</c>.</summary>
internal sealed record BenchArgs(string Scenario)
{
    public const long DefaultHarvestJobs = 100_000;
    public const long DefaultQueryRows = 1_000_000;

    public const string Usage = """
        usage: BatchInsights.Bench harvest [--jobs N] [--db path] [--rps N] [--postgres] [--throttle SHARE] [--zones N] [--no-spot]
                                           [--no-save] [--results path]
               BatchInsights.Bench query   [--rows N | --db path] [--iterations N] [--no-save] [--results path]
               BatchInsights.Bench spot-query --db path [--iterations N] [--no-save] [--results path]
               BatchInsights.Bench replay [--ce NAME] [--hours H] [--slice SECONDS] [--recommended TYPES] [--boot SECONDS]
                                          [--idle SECONDS] [--array-scale X] [--no-save] [--results path]
               BatchInsights.Bench recommend [--jobs N] [--db path] [--provider sqlite|postgres] [--runs N] [--no-save] [--results path]
               BatchInsights.Bench costs     [--jobs N] [--db path] [--provider sqlite|postgres] [--no-save] [--results path]
               BatchInsights.Bench overview  [--jobs N] [--db path] [--provider sqlite|postgres] [--iterations N] [--no-save] [--results path]

          harvest  sandbox in-process with N jobs (default 100000), full harvest into a fresh SQLite file,
                   then a 90-day Spot price harvest of the CEs' pools, a check of every stored job id and price change
                   against the sandbox, and an incremental harvest one simulated hour later. --db keeps the file at that
                   path; --postgres harvests into PostgreSQL instead (BATCHINSIGHTS_BENCH_POSTGRES or a throwaway
                   cluster); --throttle 0.2 makes the sandbox throttle 20 % of every operation's calls (scenario faults);
                   --zones N keeps the first N Availability Zones (Spot pools = types × zones).
          query    JobQueries latency on a fresh SQLite file bulk-filled with N job rows (default 1000000),
                   or on an existing database (e.g. a harvest's --db file) when --db names one.
          spot-query  SpotPriceQueries latency (no account/region given, as the Spot prices page) on a harvest's --db file.
          replay   the sandbox's Alibaba 2017 trace (first H hours, default 24, as the sandbox scales it) run on one sandbox CE
                   (default od-general): lower bound (per-slice LP, default 60 s slices) over the CE's types and over the whole
                   catalog, the cost of the CE's current setting (PackingSimulator), and of --recommended TYPES (comma-separated
                   types/families, e.g. c6a,c7a) instead of what InstanceTypesRule recommends for the replayed jobs (the default).
                   --array-scale X overrides the scenario's arraySizeScale (0.01) to grow the job count (0.2 ≈ 1M jobs over 90 h).
          recommend  RecommendationInputLoader + Recommender (all registered rules) over a generated account of N jobs (default
                   1000000, 14 days, trace shapes, placed on instances, 90 days of Spot prices): load, rule and total time, memory.
                   --db path: generate into that SQLite file, or reuse it when it exists (no generation in the process: clean
                   memory figures); --provider postgres: a throwaway PostgreSQL cluster (as harvest --postgres); --runs N: runs in
                   the process (default 2: cold and warm; the report shows the first and the last).
          costs    CostRollupService over the same generated account: the full first computation, then an incremental run after
                   1,000 new attempts an hour later: wall time, rows written, memory (an existing --db file is copied first).
          overview OverviewQueries.GetAsync (the landing page's snapshot) over the same generated account: p50/p95/p99 of at least
                   50 calls (--iterations, default 300), without and with an account/region filter. Computes the cost roll-ups
                   and stores one recommendation run first when the file has none; --db reuses (and migrates) an existing file.
        """;

    public long? Jobs { get; init; }
    public long? Rows { get; init; }
    public string? DbPath { get; init; }
    public int Iterations { get; init; } = 300;
    public double RequestsPerSecond { get; init; } = 10_000;
    public bool NoSave { get; init; }
    public bool Postgres { get; init; }
    public double ThrottleShare { get; init; }
    public int? Zones { get; init; }
    public bool Spot { get; init; } = true;
    public string? ResultsPath { get; init; }
    public string ComputeEnvironment { get; init; } = "od-general";
    public double Hours { get; init; } = 24;
    public long SliceSeconds { get; init; } = 60;
    public string? Recommended { get; init; }
    public long? BootSeconds { get; init; }
    public long? IdleSeconds { get; init; }
    public double? ArrayScale { get; init; }
    public int Runs { get; init; } = 2;

    public static BenchArgs? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("harvest" or "query" or "spot-query" or "replay" or "recommend" or "costs" or "overview"))
        {
            return null;
        }

        var result = new BenchArgs(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            result = args[i] switch
            {
                "--jobs" => result with { Jobs = ParseCount(Next()) },
                "--rows" => result with { Rows = ParseCount(Next()) },
                "--db" => result with { DbPath = Next() },
                "--iterations" => result with { Iterations = (int)ParseCount(Next()) },
                "--rps" => result with { RequestsPerSecond = ParseCount(Next()) },
                "--results" => result with { ResultsPath = Next() },
                "--no-save" => result with { NoSave = true },
                "--postgres" => result with { Postgres = true },
                "--provider" => result with { Postgres = Next() switch { "postgres" => true, "sqlite" => false, var p => throw new ArgumentException($"Unknown provider '{p}' (sqlite or postgres).") } },
                "--throttle" => result with { ThrottleShare = ParseShare(Next()) },
                "--zones" => result with { Zones = (int)ParseCount(Next()) },
                "--no-spot" => result with { Spot = false },
                "--ce" => result with { ComputeEnvironment = Next() },
                "--hours" => result with { Hours = ParseCount(Next()) },
                "--slice" => result with { SliceSeconds = ParseCount(Next()) },
                "--recommended" => result with { Recommended = Next() },
                "--boot" => result with { BootSeconds = ParseCount(Next()) },
                "--idle" => result with { IdleSeconds = ParseCount(Next()) },
                "--runs" => result with { Runs = (int)Math.Max(1, ParseCount(Next())) },
                "--array-scale" => result with { ArrayScale = double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        return result;
    }

    private static double ParseShare(string text)
    {
        var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return value is >= 0 and < 1 ? value : throw new ArgumentException($"'{text}' must be a share in [0, 1).");
    }

    /// <summary>Accepts 1000000, 1_000_000 or 1e6.</summary>
    private static long ParseCount(string text)
    {
        var value = double.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        return value >= 1 ? (long)value : throw new ArgumentException($"'{text}' must be at least 1.");
    }
}
