using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Harvesting;

/// <summary>
/// The recurring Hangfire job (scheduled in <c>Jobs/RecurringJobs</c>): harvests every configured target. Logic lives in
/// <see cref="BatchHarvester"/>.
/// </summary>
public sealed class BatchHarvestJob(BatchHarvester harvester, IEnumerable<AwsTarget> targets)
{
    // A long back-fill can outlast the next schedule: the next run waits for the lock (up to 30 min)
    // instead of harvesting the same queues twice at once. No automatic retry: the next scheduled run
    // resumes from the watermarks, and a failure must stay visible as failed.
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => harvester.HarvestAllAsync(targets, cancellationToken);
}
