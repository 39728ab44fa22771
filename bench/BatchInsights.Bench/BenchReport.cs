using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BatchInsights.Bench;

/// <summary>One scenario's results: a markdown table plus the settings that produced it.</summary>
internal sealed class BenchReport(string scenario, string title, IReadOnlyList<string> headers)
{
    private readonly List<string[]> _rows = [];
    private readonly List<string> _notes = [];

    public string Scenario { get; } = scenario;

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Count)
        {
            throw new ArgumentException($"Expected {headers.Count} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void Note(string line) => _notes.Add(line);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### {title}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · {Environment.ProcessorCount} cores · "
            + $"{RuntimeInformation.FrameworkDescription} · {RuntimeInformation.OSDescription} · {BuildConfiguration}");
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", headers) + " |");
        text.AppendLine("|" + string.Join("|", headers.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
        foreach (var row in _rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        if (_notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in _notes)
            {
                text.AppendLine("- " + note);
            }
        }

        return text.ToString();
    }

#if DEBUG
    public const string BuildConfiguration = "Debug build (numbers not representative)";
#else
    public const string BuildConfiguration = "Release build";
#endif
}

/// <summary>Formatting of measured values, invariant culture.</summary>
internal static class Fmt
{
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string N(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Ms(double ms) => ms < 10 ? N(ms, 2) + " ms" : N(ms, 1) + " ms";

    public static string MiB(long bytes) => N(bytes / 1024d / 1024d, 0) + " MiB";

    public static string Duration(TimeSpan t) => t.TotalSeconds < 120
        ? N(t.TotalSeconds, 1) + " s"
        : t.TotalHours < 2 ? N(t.TotalMinutes, 1) + " min" : N(t.TotalHours, 1) + " h";
}
