using BatchInsights.Core.Access;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>Delivery of the weekly report: send a week now, read its delivery ledger, retry one delivery.</summary>
public static class ReportDeliveryEndpoints
{
    public static IEndpointRouteBuilder MapReportDeliveryApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapPost("/reports/{week}/send", SendAsync).WithName("SendReport").RequireAuthorization(Roles.Operator)
            .WithSummary("Sends the week's report (building it first if needed) to every configured recipient and the webhook not yet sent to; returns each delivery's state.")
            .WithDescription("`week` is an ISO week like 2026-W47. A recipient that already got the week is skipped: a report is never sent twice for the same week and recipient. A failed send is recorded with its reason and retried with backoff (Reports:RetryMinutes, up to Reports:MaxAttempts).");
        api.MapGet("/reports/{week}/deliveries", ListAsync).WithName("ListReportDeliveries")
            .WithSummary("Per recipient and channel: state (NotSent, Pending, Sending, Sent, Failed, GaveUp), attempts, last error, next attempt, sent at.");
        api.MapPost("/reports/deliveries/{id:long}/retry", RetryAsync).WithName("RetryReportDelivery").RequireAuthorization(Roles.Operator)
            .WithSummary("Sends one failed or given-up delivery again now.");
        return endpoints;
    }

    public static async Task<Results<Ok<IReadOnlyList<DeliveryStatus>>, ValidationProblem>> SendAsync(
        ReportDeliveryService delivery, string week, CancellationToken cancellationToken) =>
        ParseWeek(week, out var isoWeek) is { } problem ? problem : TypedResults.Ok(await delivery.SendWeekAsync(isoWeek, cancellationToken));

    public static async Task<Results<Ok<IReadOnlyList<DeliveryStatus>>, ValidationProblem>> ListAsync(
        ReportDeliveryService delivery, string week, CancellationToken cancellationToken) =>
        ParseWeek(week, out var isoWeek) is { } problem ? problem : TypedResults.Ok(await delivery.ListAsync(isoWeek, cancellationToken));

    public static async Task<Results<Ok<DeliveryStatus>, NotFound>> RetryAsync(ReportDeliveryService delivery, long id, CancellationToken cancellationToken) =>
        await delivery.RetryAsync(id, cancellationToken) is { } status ? TypedResults.Ok(status) : TypedResults.NotFound();

    private static ValidationProblem? ParseWeek(string week, out IsoWeek isoWeek) =>
        IsoWeek.TryParse(week, out isoWeek)
            ? null
            : TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["week"] = [$"'{week}' is not an ISO week; use YYYY-Www, e.g. 2026-W47."],
            });
}
