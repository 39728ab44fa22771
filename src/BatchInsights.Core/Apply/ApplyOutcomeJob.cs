using Hangfire;

namespace BatchInsights.Core.Apply;

/// <summary>Looks once at an updated CE's status; <see cref="ApplyService.CheckOutcomeAsync"/> schedules the next look itself.</summary>
public sealed class ApplyOutcomeJob(ApplyService service)
{
    [AutomaticRetry(Attempts = 3)]
    public Task RunAsync(long applyAuditId, CancellationToken cancellationToken) => service.CheckOutcomeAsync(applyAuditId, cancellationToken);
}

/// <summary>Follows an update with delayed Hangfire jobs, so no worker sits waiting through a 10–30 minute rollout.</summary>
internal sealed class HangfireApplyFollowUp(IBackgroundJobClient jobs) : IApplyFollowUp
{
    public void Schedule(long applyAuditId, TimeSpan delay) =>
        jobs.Schedule<ApplyOutcomeJob>(j => j.RunAsync(applyAuditId, CancellationToken.None), delay);
}
