using System.Globalization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>
/// Harvests AWS Batch (compute environments, queues, job definitions, jobs and attempts) into the
/// database, one <see cref="HarvestRunRow"/> per target. Incremental and idempotent: a run stopped at
/// any point and run again ends with exactly the rows of an uninterrupted run.
/// </summary>
public sealed class BatchHarvester(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    BatchApiFactory apiFactory,
    IHarvestNotifier notifier,
    TimeProvider time,
    ILogger<BatchHarvester> logger)
{
    public const string Kind = "batch";

    private readonly HarvestRunRecorder _runs = new(dbFactory, notifier, time);

    /// <summary>
    /// Harvests every target in turn; one failing target does not stop the others. Throws at the end
    /// when any target failed (after recording each failure), so the Hangfire job shows as failed.
    /// </summary>
    public Task HarvestAllAsync(IEnumerable<AwsTarget> targets, CancellationToken cancellationToken) =>
        HarvestRunRecorder.ForEachTargetAsync("Batch harvest", targets, t => HarvestAsync(t, cancellationToken), cancellationToken);

    /// <summary>Harvests one target and returns its finished run row; throws (after recording the failure) if it failed.</summary>
    public async Task<HarvestRunRow> HarvestAsync(AwsTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = await _runs.StartAsync(target, Kind, cancellationToken);
        logger.LogInformation("Batch harvest {RunId} of {Target} started", run.Id, target);

        var counters = new HarvestCounters();
        IBatchApi? api = null;
        long callsBefore = 0, throttledBefore = 0;
        try
        {
            api = apiFactory(target);
            callsBefore = api.Stats.Calls;
            throttledBefore = api.Stats.Throttled;
            await HarvestCoreAsync(api, target, run, counters, cancellationToken);
        }
        catch (Exception ex)
        {
            var error = HarvestRunRecorder.ErrorOf(ex);
            await FinishAsync(run, HarvestOutcome.Failed, error, api, callsBefore, throttledBefore, counters);
            logger.LogError(ex, "Batch harvest {RunId} of {Target} failed after {Calls} calls: {Error}", run.Id, target, run.Calls, error);
            throw;
        }

        await FinishAsync(run, HarvestOutcome.Succeeded, null, api, callsBefore, throttledBefore, counters);
        logger.LogInformation(
            "Batch harvest {RunId} of {Target} succeeded: {Calls} calls ({Throttled} throttled), {JobsListed} jobs listed, {JobsDescribed} described, {JobsWritten} written, {Queues} queues, {ComputeEnvironments} CEs",
            run.Id, target, run.Calls, run.Throttled, run.JobsListed, run.JobsDescribed, run.JobsWritten, run.Queues, run.ComputeEnvironments);
        return run;
    }

    private async Task HarvestCoreAsync(IBatchApi api, AwsTarget target, HarvestRunRow run, HarvestCounters counters, CancellationToken cancellationToken)
    {
        var store = new BatchHarvestStore(dbFactory, target, time);

        var computeEnvironments = await api.DescribeComputeEnvironmentsAsync(cancellationToken);
        var queues = await api.DescribeJobQueuesAsync(cancellationToken);
        var jobDefinitions = await api.DescribeJobDefinitionsAsync(cancellationToken);
        await store.UpsertInventoryAsync(computeEnvironments, queues, jobDefinitions, cancellationToken);
        run.ComputeEnvironments = computeEnvironments.Count;
        run.Queues = queues.Count;

        var queueHarvest = new QueueJobHarvest(api, store, counters, time, logger);
        foreach (var queue in queues.DistinctBy(q => q.Arn).OrderBy(q => q.Name, StringComparer.Ordinal))
        {
            var writtenBefore = counters.JobsWritten;
            await queueHarvest.RunAsync(queue, cancellationToken);
            logger.LogDebug("Queue {Queue} of {Target} harvested: {JobsWritten} jobs written", queue.Name, target, counters.JobsWritten - writtenBefore);
        }
    }

    private Task FinishAsync(HarvestRunRow run, string outcome, string? error, IBatchApi? api, long callsBefore, long throttledBefore, HarvestCounters counters)
    {
        run.JobsListed = counters.JobsListed;
        run.JobsDescribed = counters.JobsDescribed;
        run.JobsWritten = counters.JobsWritten;
        return _runs.FinishAsync(
            run,
            outcome,
            error,
            api is null ? 0 : api.Stats.Calls - callsBefore,
            api is null ? 0 : api.Stats.Throttled - throttledBefore,
            counters.JobsWritten);
    }
}
