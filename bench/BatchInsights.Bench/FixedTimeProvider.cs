namespace BatchInsights.Bench;

/// <summary>
/// A wall clock that stands still (until moved) so the sandbox's history and the harvest see the same
/// "now" on every run. Timestamps and timers stay real: token buckets and timeouts still work.
/// </summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
