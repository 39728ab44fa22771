namespace BatchInsights.Core.Aws;

/// <summary>Retry, backoff and timeout settings of one client (from <see cref="AwsOptions"/>).</summary>
public sealed record AwsCallPolicy
{
    public int MaxRetries { get; init; } = 8;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First backoff ceiling; doubles per retry (full jitter: the delay is uniform in [0, ceiling]).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromSeconds(20);

    public static AwsCallPolicy FromOptions(AwsOptions options) => new()
    {
        MaxRetries = options.MaxRetries,
        CallTimeout = TimeSpan.FromSeconds(options.CallTimeoutSeconds),
    };

    /// <summary>Full-jitter exponential backoff before retry number <paramref name="retry"/> (0-based).</summary>
    public TimeSpan BackoffDelay(int retry, double random01)
    {
        var ceilingMs = Math.Min(BackoffCap.TotalMilliseconds, BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromMilliseconds(ceilingMs * random01);
    }
}
