using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Harvesting;

/// <summary>The recurring Hangfire job: instances and job placement of every configured target. Logic in <see cref="InstanceHarvester"/>.</summary>
public sealed class InstanceHarvestJob(InstanceHarvester harvester, IEnumerable<AwsTarget> targets)
{
    // The next run picks up what this one did not reach (unasked ARNs stay unasked), so no automatic retry.
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => harvester.HarvestAllAsync(targets, cancellationToken);
}
