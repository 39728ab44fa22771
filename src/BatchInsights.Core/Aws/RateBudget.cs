using System.Collections.Concurrent;

namespace BatchInsights.Core.Aws;

/// <summary>
/// Token bucket for the calls we send to one account + region. AWS throttles per account and region
/// and the customer's own SubmitJob traffic shares that quota, so we stay well below it on our side.
/// Callers that find the bucket empty take a token on credit and wait for it, which keeps them in order.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private double _tokens;
    private long _lastRefill;

    public TokenBucket(double tokensPerSecond, double burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        TokensPerSecond = tokensPerSecond;
        Burst = burst;
        _time = time;
        _tokens = burst;
        _lastRefill = time.GetTimestamp();
    }

    public double TokensPerSecond { get; }

    public double Burst { get; }

    /// <summary>Tokens available now; negative while callers wait on credit.</summary>
    public double Available
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens;
            }
        }
    }

    /// <summary>Takes one token, waiting (on the injected clock) until it is due.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TimeSpan wait;
        lock (_lock)
        {
            Refill();
            _tokens -= 1;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / TokensPerSecond);
        }

        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The call never happens: give the credit back so later callers are not delayed for it.
            lock (_lock)
            {
                _tokens += 1;
            }

            throw;
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastRefill, now);
        _lastRefill = now;
        _tokens = Math.Min(Burst, _tokens + (elapsed.TotalSeconds * TokensPerSecond));
    }
}

/// <summary>
/// One <see cref="TokenBucket"/> per target and service (AWS throttles each service's APIs separately),
/// shared by every client of that target and service (register as a singleton).
/// </summary>
public sealed class RateBudgetRegistry(TimeProvider time)
{
    /// <summary>The service of the <see cref="For(AwsTarget, double)"/> overload, which predates per-service budgets.</summary>
    public const string DefaultService = "batch";

    private readonly ConcurrentDictionary<(AwsTarget Target, string Service), TokenBucket> _buckets = new();

    public RateBudgetRegistry()
        : this(TimeProvider.System)
    {
    }

    /// <summary>The Batch bucket for a target; the first caller's rate wins (it comes from the same options for all).</summary>
    public TokenBucket For(AwsTarget target, double callsPerSecond) => For(target, DefaultService, callsPerSecond);

    /// <summary>The bucket for a target and service (the signing name, e.g. "ec2"); the first caller's rate wins.</summary>
    public TokenBucket For(AwsTarget target, string service, double callsPerSecond)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        return _buckets.GetOrAdd((target, service), _ => new TokenBucket(callsPerSecond, Math.Max(1, callsPerSecond), time));
    }
}
