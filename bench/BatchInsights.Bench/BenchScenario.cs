using System.Text.Json;
using System.Text.Json.Nodes;
using BatchInsights.Sandbox;

namespace BatchInsights.Bench;

/// <summary>
/// The sandbox's default scenario written to a temp file with the benchmark's changes: injected faults
/// (e.g. every operation throttled at a share of its calls) and the region's Availability Zones (which,
/// with the CEs' instance types, decide how many Spot pools there are).
/// </summary>
internal sealed class BenchScenario : IDisposable
{
    private const string DefaultResource = "BatchInsights.Sandbox.Scenarios.default.json";

    private BenchScenario(string path) => Path = path;

    public string Path { get; }

    public static BenchScenario Create(double throttleShare, IReadOnlyList<string>? zones)
    {
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"{DefaultResource} is not embedded in the sandbox.");
        var root = JsonNode.Parse(stream, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        if (throttleShare > 0)
        {
            // "*": every operation, each refusing exactly that share of its calls, evenly spread.
            root["faults"] = new JsonObject { ["*"] = new JsonObject { ["throttleShare"] = throttleShare } };
        }

        if (zones is not null)
        {
            root["availabilityZones"] = new JsonArray([.. zones.Select(z => (JsonNode)z)]);
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bi-bench-scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, root.ToJsonString());
        return new BenchScenario(path);
    }

    public void Dispose() => File.Delete(Path);
}
