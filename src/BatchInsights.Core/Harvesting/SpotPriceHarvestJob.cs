using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Harvesting;

/// <summary>The recurring Hangfire job: Spot price history of every configured target. Logic lives in <see cref="SpotPriceHarvester"/>.</summary>
public sealed class SpotPriceHarvestJob(SpotPriceHarvester harvester, IEnumerable<AwsTarget> targets)
{
    // A 90-day back-fill can outlast the schedule: the next run waits for it instead of fetching the same
    // window twice. No automatic retry: the next run starts again from the watermark, and a failure stays visible.
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => harvester.HarvestAllAsync(targets, cancellationToken);
}
