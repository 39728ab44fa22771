using Hangfire;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Reports.Delivery;

/// <summary>
/// The recurring Hangfire job (Reports:Cron in Reports:TimeZone): builds the last full week's report and sends it.
/// Logic in <see cref="ReportDeliveryService"/>.
/// </summary>
public sealed class WeeklyReportJob(ReportDeliveryService delivery, IOptions<ReportOptions> options, TimeProvider clock, IBackgroundJobClient jobs)
{
    /// <summary>How often a report held back for its costs is checked again.</summary>
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromMinutes(30);

    // A failed build fails the job (Hangfire retries it; rows already Sent are skipped on the rerun).
    // A failed send does not: it is recorded in the delivery ledger and retried by ReportDeliveryRetryJob.
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) =>
        RunForWeekAsync(IsoWeek.PreviousFull(clock.GetUtcNow(), options.Value.ResolveTimeZone()).ToString(), cancellationToken);

    /// <summary>The scheduled build and send of one week; while its costs are provisional it re-queues itself (see ReportDeliveryService.BuildAndDeliverAsync).</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunForWeekAsync(string week, CancellationToken cancellationToken)
    {
        if ((await delivery.BuildAndDeliverAsync(IsoWeek.Parse(week), cancellationToken)).HeldBack is not null)
        {
            jobs.Schedule<WeeklyReportJob>(j => j.RunForWeekAsync(week, CancellationToken.None), clock.GetUtcNow() + RecheckAfter);
        }
    }

    /// <summary>Any week on demand, queued in the background (the week as "2026-W47": Hangfire stores arguments as JSON).</summary>
    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task SendWeekAsync(string week, CancellationToken cancellationToken) => delivery.SendWeekAsync(IsoWeek.Parse(week), cancellationToken);
}

/// <summary>Every few minutes: re-sends failed deliveries whose next attempt is due (Reports:RetryMinutes, up to Reports:MaxAttempts).</summary>
public sealed class ReportDeliveryRetryJob(ReportDeliveryService delivery)
{
    public const string Cron = "*/5 * * * *";

    [DisableConcurrentExecution(timeoutInSeconds: 30 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(CancellationToken cancellationToken) => delivery.RetryDueAsync(cancellationToken);
}
