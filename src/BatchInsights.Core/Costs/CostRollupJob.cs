using Hangfire;

namespace BatchInsights.Core.Costs;

/// <summary>The recurring Hangfire job: attempt costs and roll-ups of every harvested target. Logic in <see cref="CostRollupService"/>.</summary>
public sealed class CostRollupJob(CostRollupService service)
{
    // A failed run leaves its watermark, so the next scheduled run redoes the same window: no automatic retry.
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => service.RunAllAsync(cancellationToken);
}
