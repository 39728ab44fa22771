using System.Diagnostics;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// The account-wide request budget: AWS throttles every Batch API per account and region (429 TooManyRequestsException).
/// Runs on real elapsed time, not the simulation clock, because it limits how fast a client calls.
/// </summary>
internal sealed class RequestThrottle(double ratePerSecond, int burst, double throttleShare)
{
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private long _last = Stopwatch.GetTimestamp();
    private long _calls;

    public bool TryAcquire()
    {
        lock (_gate)
        {
            // Deterministic share: call n is refused when floor((n+1)*share) moves past floor(n*share).
            var n = _calls++;
            if (throttleShare > 0 && Math.Floor((n + 1) * throttleShare) > Math.Floor(n * throttleShare)) return false;

            var now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + (Stopwatch.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
            _last = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}
