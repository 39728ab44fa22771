using System.Text;
using BatchInsights.Core.Data;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using MimeKit;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class SmtpDeliveryTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task BuildAndDeliver_LoopbackSmtp_EachRecipientGetsTextHtmlAndTheCsv()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com", "Finance Team <finance@example.com>"));
        var report = FakeWeeklyReportSource.Sample();

        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);

        Assert.Equal([DeliveryHarness.Week], harness.Source.Builds);
        Assert.Equal(2, smtp.Received.Count);
        Assert.Equal(["finance@example.com", "lead@example.com"], smtp.Received.SelectMany(m => m.EnvelopeTo).Order());
        foreach (var mail in smtp.Received)
        {
            var message = mail.Message;
            Assert.Equal(report.Subject, message.Subject);
            Assert.Equal("reports@batchinsights.test", Assert.Single(message.From.Mailboxes).Address);
            Assert.Equal(mail.EnvelopeTo, message.To.Mailboxes.Select(m => m.Address));
            var alternative = Assert.IsType<MultipartAlternative>(Assert.IsType<Multipart>(message.Body)[0]);
            Assert.Equal(report.TextSummary, alternative.TextBody!.ReplaceLineEndings("\n").TrimEnd());
            Assert.Equal(report.Html, alternative.HtmlBody!.ReplaceLineEndings("\n").TrimEnd());
            var csv = Assert.IsAssignableFrom<MimePart>(Assert.Single(message.Attachments));
            Assert.Equal(FakeWeeklyReportSource.CsvName, csv.FileName);
            Assert.NotNull(csv.Content);
            Assert.Equal("text/csv", csv.ContentType.MimeType);
            using var content = new MemoryStream();
            await csv.Content!.DecodeToAsync(content);
            Assert.Equal(FakeWeeklyReportSource.Csv, Encoding.UTF8.GetString(content.ToArray()));
        }

        var rows = await harness.RowsAsync();
        Assert.All(rows, r => Assert.Equal((DeliveryState.Sent, 1, Now), (r.State, r.Attempts, r.SentAt!.Value)));
        Assert.Equal(smtp.Received.Select(m => m.Message.MessageId).Order(), rows.Select(r => r.MessageId!.Trim('<', '>')).Order());
    }

    [Fact]
    public async Task Deliver_SecondRunAndSendNow_SendNothingMore()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com", "LEAD@example.com", "ops@example.com"));

        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);
        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);
        var statuses = await harness.Delivery.SendWeekAsync(DeliveryHarness.Week);
        await harness.Delivery.RetryDueAsync();

        // "LEAD@example.com" is the same mailbox as "lead@example.com": one row, one message.
        Assert.Equal(["lead@example.com", "ops@example.com"], smtp.Received.SelectMany(m => m.EnvelopeTo).Order());
        Assert.All(statuses, s => Assert.Equal((DeliveryState.Sent, 1), (s.State, s.Attempts)));
        Assert.Equal(2, (await harness.RowsAsync()).Count);
    }

    [Fact]
    public async Task Deliver_TwoInstancesAtOnce_EachRecipientGetsOneMessage()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var first = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "a@example.com", "b@example.com", "c@example.com"));
        // A second process: its own services over the same database file.
        await using var second = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "a@example.com", "b@example.com", "c@example.com"), first.Db);

        await Task.WhenAll(
            Task.Run(() => first.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)),
            Task.Run(() => second.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)));

        Assert.Equal(["a@example.com", "b@example.com", "c@example.com"], smtp.Received.SelectMany(m => m.EnvelopeTo).Order());
        Assert.All(await first.RowsAsync(), r => Assert.Equal((DeliveryState.Sent, 1), (r.State, r.Attempts)));
    }

    [Fact]
    public async Task Deliver_SmtpUnreachableThenUp_FailsWithClearErrorThenRetrySendsExactlyOnce()
    {
        var port = LoopbackSmtpServer.FreePort();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(port, "lead@example.com"));

        var failed = Assert.Single((await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week)).Statuses);

        Assert.Equal(DeliveryState.Failed, failed.State);
        Assert.Equal($"SMTP server 127.0.0.1:{port} refused connection — check Reports:Smtp:Host/Port", failed.LastError);
        Assert.Equal(Now.AddMinutes(5), failed.NextAttemptAt);

        // Not due yet: nothing is tried.
        harness.Clock.Advance(TimeSpan.FromMinutes(4));
        await harness.Delivery.RetryDueAsync();
        Assert.Equal(1, Assert.Single(await harness.RowsAsync()).Attempts);

        await using var smtp = await LoopbackSmtpServer.StartAsync(port);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await harness.Delivery.RetryDueAsync();
        harness.Clock.Advance(TimeSpan.FromHours(1));
        await harness.Delivery.RetryDueAsync();
        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);

        Assert.Equal(["lead@example.com"], smtp.Received.SelectMany(m => m.EnvelopeTo));
        var row = Assert.Single(await harness.RowsAsync());
        Assert.Equal((DeliveryState.Sent, 2, (string?)null, (DateTime?)null), (row.State, row.Attempts, row.LastError, row.NextAttemptAt));
    }

    [Fact]
    public async Task RetryDue_FailsMaxAttemptsTimes_GivesUpVisiblyAndSendNowStillDelivers()
    {
        var port = LoopbackSmtpServer.FreePort();
        var keys = DeliveryHarness.Smtp(port, "lead@example.com");
        keys["MaxAttempts"] = "3";
        keys["RetryMinutes:0"] = "1";
        keys["RetryMinutes:1"] = "10";
        await using var harness = new DeliveryHarness(keys);

        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await harness.Delivery.RetryDueAsync();
        var second = Assert.Single(await harness.RowsAsync());
        harness.Clock.Advance(TimeSpan.FromMinutes(10));
        await harness.Delivery.RetryDueAsync();
        harness.Clock.Advance(TimeSpan.FromDays(1));
        await harness.Delivery.RetryDueAsync();

        Assert.Equal((DeliveryState.Failed, 2, Now.AddMinutes(11)), (second.State, second.Attempts, second.NextAttemptAt!.Value));
        var gaveUp = Assert.Single(await harness.RowsAsync());
        Assert.Equal((DeliveryState.GaveUp, 3, (DateTime?)null), (gaveUp.State, gaveUp.Attempts, gaveUp.NextAttemptAt));
        Assert.Contains("refused connection", gaveUp.LastError, StringComparison.Ordinal);

        await using var smtp = await LoopbackSmtpServer.StartAsync(port);
        var status = Assert.Single(await harness.Delivery.SendWeekAsync(DeliveryHarness.Week));
        Assert.Equal((DeliveryState.Sent, 4), (status.State, status.Attempts));
        Assert.Single(smtp.Received);
    }

    [Fact]
    public async Task RetryDue_RowLeftSendingByAStoppedProcess_IsMarkedFailedNotResent()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com"));
        harness.Db.Add(new ReportDeliveryRow
        {
            Week = DeliveryHarness.Week.ToString(),
            Channel = DeliveryChannel.Email,
            Recipient = "lead@example.com",
            State = DeliveryState.Sending,
            Attempts = 1,
            ClaimedAt = Now.AddMinutes(-20),
            CreatedAt = Now.AddMinutes(-20),
        });

        await harness.Delivery.RetryDueAsync();
        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);

        var row = Assert.Single(await harness.RowsAsync());
        Assert.Equal((DeliveryState.Failed, (DateTime?)null), (row.State, row.NextAttemptAt));
        Assert.Contains("may have gone out", row.LastError, StringComparison.Ordinal);
        Assert.Empty(smtp.Received);

        // A person checked the mailbox and pressed Retry.
        var retried = await harness.Delivery.RetryAsync(row.Id);
        Assert.Equal(DeliveryState.Sent, retried!.State);
        Assert.Single(smtp.Received);
    }

    [Fact]
    public async Task Summarize_OneSentOneFailedWeek_CountsPerWeekAndState()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com"));
        harness.Db.Add(new ReportDeliveryRow
        {
            Week = "2026-W46", Channel = DeliveryChannel.Email, Recipient = "lead@example.com", State = DeliveryState.GaveUp, Attempts = 6, CreatedAt = Now,
        });
        await harness.Delivery.BuildAndDeliverAsync(DeliveryHarness.Week);

        var summary = await harness.Delivery.SummarizeAsync();

        Assert.Equal(new DeliverySummary(1, 0, 0, 0), summary[DeliveryHarness.Week]);
        Assert.Equal(new DeliverySummary(0, 0, 0, 1), summary[new Core.Reports.IsoWeek(2026, 46)]);
    }

    [Fact]
    public async Task SendWeek_WeekNeverBuilt_BuildsItFirst()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com"));

        await harness.Delivery.SendWeekAsync(DeliveryHarness.Week);

        Assert.Equal([DeliveryHarness.Week], harness.Source.Builds);
        Assert.Single(smtp.Received);
    }

    [Fact]
    public async Task List_ConfiguredButNeverSent_ShowsNotSent()
    {
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(25, "lead@example.com"));

        var status = Assert.Single(await harness.Delivery.ListAsync(DeliveryHarness.Week));

        Assert.Equal((DeliveryState.NotSent, "lead@example.com", (long?)null), (status.State, status.Recipient, status.Id));
        Assert.Empty(await harness.RowsAsync());
    }
}
