using BatchInsights.Sandbox.Simulation;

namespace BatchInsights.Sandbox.Protocols;

internal enum FaultKind
{
    None,
    AccessDenied,
    Throttle,
    ServerError,
    Malformed,
}

/// <summary>The scenario's injected faults (scenario "faults"), decided per call, deterministically spread like ThrottleShare.</summary>
internal sealed class FaultInjector(IReadOnlyDictionary<string, FaultSpec> faults)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _calls = new(StringComparer.Ordinal);

    public (FaultKind Kind, int LatencyMs) Decide(string operation)
    {
        var spec = faults.GetValueOrDefault(operation) ?? faults.GetValueOrDefault("*");
        if (spec is null) return (FaultKind.None, 0);
        if (spec.AccessDenied) return (FaultKind.AccessDenied, spec.LatencyMs);
        long n;
        lock (_gate)
        {
            n = _calls.GetValueOrDefault(operation);
            _calls[operation] = n + 1;
        }

        // Call n is hit when floor((n+1)*share) moves past floor(n*share): exactly share × calls, evenly spread.
        static bool Hit(long n, double share) => share > 0 && Math.Floor((n + 1) * share) > Math.Floor(n * share);
        if (Hit(n, spec.ThrottleShare)) return (FaultKind.Throttle, spec.LatencyMs);
        if (Hit(n, spec.ErrorShare)) return (FaultKind.ServerError, spec.LatencyMs);
        if (Hit(n, spec.MalformedShare)) return (FaultKind.Malformed, spec.LatencyMs);
        return (FaultKind.None, spec.LatencyMs);
    }
}
