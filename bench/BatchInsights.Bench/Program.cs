using BatchInsights.Bench;

// End-to-end benchmarks measured with Stopwatch (see bench/README.md). BenchmarkDotNet would
// repeat a 1M-job harvest dozens of times; these programs run each scenario once, warm where it matters.
var parsed = BenchArgs.Parse(args);
if (parsed is null)
{
    Console.Error.WriteLine(BenchArgs.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = parsed.Scenario switch
{
    "harvest" => await HarvestBenchmark.RunAsync(parsed, cancel.Token),
    "query" => await QueryBenchmark.RunAsync(parsed, cancel.Token),
    "spot-query" => await SpotQueryBenchmark.RunAsync(parsed, cancel.Token),
    "replay" => await ReplayBenchmark.RunAsync(parsed, cancel.Token),
    "recommend" => await RecommendBenchmark.RunAsync(parsed, cancel.Token),
    "costs" => await CostBenchmark.RunAsync(parsed, cancel.Token),
    "overview" => await OverviewBenchmark.RunAsync(parsed, cancel.Token),
    _ => throw new InvalidOperationException("unreachable: BenchArgs validates the scenario"),
};

Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
if (!parsed.NoSave)
{
    var path = ResultsFile.Save(report, parsed.ResultsPath);
    Console.WriteLine($"Saved to {path}");
}

return 0;
