using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Harvesting;

/// <summary>The recurring Hangfire job: network paths of every configured target. Logic lives in <see cref="NetworkHarvester"/>.</summary>
public sealed class NetworkHarvestJob(NetworkHarvester harvester, IEnumerable<AwsTarget> targets)
{
    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    // No automatic retry: the next daily run reads everything again, and a failure stays visible.
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => harvester.HarvestAllAsync(targets, cancellationToken);
}
