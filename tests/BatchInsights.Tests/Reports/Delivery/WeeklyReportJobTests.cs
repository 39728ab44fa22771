using BatchInsights.Core.Jobs;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class WeeklyReportJobTests
{
    [Fact]
    public async Task Run_MondayJustAfterMidnightInBerlin_BuildsAndSendsTheWeekThatEndedThere()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        var keys = DeliveryHarness.Smtp(smtp.Port, "lead@example.com");
        keys["TimeZone"] = "Europe/Berlin";
        // Sunday 23:30 UTC is Monday 00:30 in Berlin: week 47 is over there, not yet in UTC.
        await using var harness = new DeliveryHarness(keys, now: new DateTimeOffset(2026, 11, 22, 23, 30, 0, TimeSpan.Zero));

        await harness.Services.GetRequiredService<WeeklyReportJob>().RunAsync(CancellationToken.None);

        Assert.Equal([new IsoWeek(2026, 47)], harness.Source.Builds);
        Assert.Equal("2026-W47", Assert.Single(smtp.Received).Message.Headers["X-BatchInsights-Week"]);
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(13, true)]
    public async Task RunForWeek_CostsStillProvisional_HeldBackAndRecheckedUntilTheWaitIsOver(int hoursAfterWeekEnd, bool sends)
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        var keys = DeliveryHarness.Smtp(smtp.Port, "lead@example.com");
        keys["WaitForCostsHours"] = "12";
        var weekEnd = DateTimeOffset.FromUnixTimeMilliseconds(DeliveryHarness.Week.UtcRangeMs(TimeZoneInfo.Utc).EndMs);
        await using var harness = new DeliveryHarness(keys, now: weekEnd.AddHours(hoursAfterWeekEnd));
        harness.Source.With(FakeWeeklyReportSource.Sample() with { ProvisionalNote = "Provisional: costs were rolled up only to 2026-11-22 06:00 UTC" });

        await harness.Services.GetRequiredService<WeeklyReportJob>().RunForWeekAsync("2026-W47", CancellationToken.None);

        Assert.Equal([DeliveryHarness.Week], harness.Source.Builds);
        if (sends)
        {
            // Waited long enough: sent as it is (the report itself says it is provisional), not re-queued.
            Assert.Single(smtp.Received);
            Assert.Empty(harness.Jobs.Created);
        }
        else
        {
            Assert.Empty(smtp.Received);
            Assert.Empty(await harness.RowsAsync());
            var (job, state) = Assert.Single(harness.Jobs.Created);
            Assert.Equal((nameof(WeeklyReportJob.RunForWeekAsync), "2026-W47"), (job.Method.Name, (string)job.Args[0]));
            var scheduled = Assert.IsType<Hangfire.States.ScheduledState>(state);
            Assert.Equal(harness.Clock.GetUtcNow().UtcDateTime + WeeklyReportJob.RecheckAfter, scheduled.EnqueueAt, TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task Run_BuildFails_JobFailsAndNothingIsRecorded()
    {
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(25, "lead@example.com"));
        // The fake has no report for W48: its build throws like a failing real build.
        harness.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Services.GetRequiredService<WeeklyReportJob>().RunAsync(CancellationToken.None));

        Assert.Empty(await harness.RowsAsync());
    }

    [Fact]
    public void RegisterReports_BerlinZone_SchedulesWeeklyJobInThatZoneAndRetryEveryFiveMinutes()
    {
        var manager = new RecordingJobManager();

        RecurringJobs.RegisterReports(manager, new ReportOptions { Cron = "30 7 * * 1", TimeZone = "Europe/Berlin" });

        var weekly = manager.Added[RecurringJobs.WeeklyReport];
        Assert.Equal(("30 7 * * 1", "Europe/Berlin", typeof(WeeklyReportJob)), (weekly.Cron, weekly.Options.TimeZone.Id, weekly.Job.Type));
        var retry = manager.Added[RecurringJobs.ReportDeliveryRetry];
        Assert.Equal(("*/5 * * * *", typeof(ReportDeliveryRetryJob)), (retry.Cron, retry.Job.Type));
    }

    private sealed class RecordingJobManager : IRecurringJobManager
    {
        public Dictionary<string, (Job Job, string Cron, RecurringJobOptions Options)> Added { get; } = [];

        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options) =>
            Added[recurringJobId] = (job, cronExpression, options);

        public void Trigger(string recurringJobId) => throw new NotSupportedException();

        public void RemoveIfExists(string recurringJobId) => throw new NotSupportedException();
    }
}
