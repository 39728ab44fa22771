namespace BatchInsights.Bench;

/// <summary>
/// bench/results.md holds the latest result of each scenario; a run replaces only its own section
/// (between HTML comment markers), so harvest and query can be run separately.
/// </summary>
internal static class ResultsFile
{
    private const string Header = """
        # Benchmark results

        Written by `dotnet run -c Release --project bench/BatchInsights.Bench -- <scenario>`; see bench/README.md.

        """;

    public static string Save(BenchReport report, string? path)
    {
        path ??= Path.Combine(FindRepoRoot(), "bench", "results.md");
        var text = File.Exists(path) ? File.ReadAllText(path) : Header;
        var begin = $"<!-- {report.Scenario} -->";
        var end = $"<!-- /{report.Scenario} -->";
        var section = begin + "\n" + report.ToMarkdown() + end;
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        text = start >= 0 && stop > start
            ? text[..start] + section + text[(stop + end.Length)..]
            : text.TrimEnd() + "\n\n" + section + "\n";
        File.WriteAllText(path, text);
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchInsights.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the repository, or pass --results <path>.");
    }
}
