using System.Globalization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Harvesting;

/// <summary>
/// The parts every harvester shares: a <see cref="HarvestRunRow"/> saved as Running at the start and as
/// Succeeded/Failed at the end (even when cancelled), the notification to open pages, and "every target,
/// one failure does not stop the others".
/// </summary>
internal sealed class HarvestRunRecorder(IDbContextFactory<BatchInsightsDbContext> dbFactory, IHarvestNotifier notifier, TimeProvider time)
{
    private const int MaxErrorLength = 2000;

    /// <summary>Runs <paramref name="harvest"/> for each distinct target; throws one AggregateException at the end if any failed.</summary>
    public static async Task ForEachTargetAsync(string what, IEnumerable<AwsTarget> targets, Func<AwsTarget, Task> harvest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var failures = new List<Exception>();
        var count = 0;
        foreach (var target in targets.Distinct())
        {
            count++;
            try
            {
                await harvest(target);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(ex);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException(
                string.Create(CultureInfo.InvariantCulture, $"{what} failed for {failures.Count} of {count} targets."),
                failures);
        }
    }

    /// <summary>The reason stored for a failed run.</summary>
    public static string ErrorOf(Exception ex)
    {
        var message = ex switch
        {
            OperationCanceledException => "Canceled before the harvest finished.",
            // EF's own message only says "see the inner exception": the inner one is the reason worth storing.
            DbUpdateException { InnerException: { } inner } => $"{ex.Message} {inner.Message}",
            _ => ex.Message,
        };
        return message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];
    }

    /// <summary>The error stored on a run that never recorded its end.</summary>
    public const string AbandonedError =
        "Abandoned: the instance running this harvest stopped, or lost its database connection, before it could record the end. The next run redid the work.";

    public async Task<HarvestRunRow> StartAsync(AwsTarget target, string kind, CancellationToken cancellationToken)
    {
        await CloseAbandonedAsync(target, kind, cancellationToken);
        var run = new HarvestRunRow
        {
            Account = target.Account,
            Region = target.Region,
            Kind = kind,
            StartedAt = time.GetUtcNow().UtcDateTime,
            Outcome = HarvestOutcome.Running,
        };
        await SaveAsync(run, cancellationToken);
        return run;
    }

    /// <summary>Saves the finished run (never cancelled: the row must not stay "Running") and tells open pages.</summary>
    public async Task FinishAsync(HarvestRunRow run, string outcome, string? error, long calls, long throttled, long rowsWritten)
    {
        run.Outcome = outcome;
        run.Error = error;
        run.EndedAt = time.GetUtcNow().UtcDateTime;
        run.Calls = calls;
        run.Throttled = throttled;
        await SaveAsync(run, CancellationToken.None);
        notifier.Publish(new HarvestCompleted(new AwsTarget(run.Account, run.Region), run.Kind, run.Id, outcome, run.EndedAt.Value, rowsWritten, error));
    }

    /// <summary>
    /// Only one run of a kind and target is in flight at a time (each harvest job holds a Hangfire lock across
    /// instances), so a row of that kind still Running when a new one starts belongs to a process that was killed or a
    /// database that went away mid-run. It is closed as Failed so the status page and the cost roll-up stop waiting
    /// for it; the new run redoes its work (harvests are idempotent).
    /// </summary>
    private async Task CloseAbandonedAsync(AwsTarget target, string kind, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.HarvestRuns
            .Where(r => r.Account == target.Account && r.Region == target.Region && r.Kind == kind && r.Outcome == HarvestOutcome.Running)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Outcome, HarvestOutcome.Failed).SetProperty(r => r.Error, AbandonedError).SetProperty(r => r.EndedAt, now),
                cancellationToken);
    }

    private async Task SaveAsync(HarvestRunRow run, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (run.Id == 0)
        {
            db.HarvestRuns.Add(run);
        }
        else
        {
            db.HarvestRuns.Update(run);
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
