using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using BatchInsights.Web.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Tests.Reports.Delivery;

public sealed class ReportDeliveryEndpointsTests
{
    [Fact]
    public async Task Send_BadWeek_400NamingTheShape()
    {
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(25, "lead@example.com"));

        var result = await ReportDeliveryEndpoints.SendAsync(harness.Delivery, "2026-47", CancellationToken.None);

        var problem = Assert.IsType<ValidationProblem>(result.Result);
        Assert.Equal("'2026-47' is not an ISO week; use YYYY-Www, e.g. 2026-W47.", Assert.Single(problem.ProblemDetails.Errors["week"]));
        Assert.Empty(await harness.RowsAsync());
    }

    [Fact]
    public async Task SendThenList_LoopbackSmtp_ReturnsSentDeliveries()
    {
        await using var smtp = await LoopbackSmtpServer.StartAsync();
        await using var harness = new DeliveryHarness(DeliveryHarness.Smtp(smtp.Port, "lead@example.com"));

        var sent = await ReportDeliveryEndpoints.SendAsync(harness.Delivery, "2026-w47", CancellationToken.None);
        var listed = await ReportDeliveryEndpoints.ListAsync(harness.Delivery, "2026-W47", CancellationToken.None);
        var missing = await ReportDeliveryEndpoints.RetryAsync(harness.Delivery, 4242, CancellationToken.None);

        Assert.Equal(DeliveryState.Sent, Assert.Single(Assert.IsType<Ok<IReadOnlyList<DeliveryStatus>>>(sent.Result).Value!).State);
        var status = Assert.Single(Assert.IsType<Ok<IReadOnlyList<DeliveryStatus>>>(listed.Result).Value!);
        Assert.Equal(("lead@example.com", DeliveryState.Sent, 1), (status.Recipient, status.State, status.Attempts));
        Assert.IsType<NotFound>(missing.Result);
        Assert.Single(smtp.Received);
    }
}
