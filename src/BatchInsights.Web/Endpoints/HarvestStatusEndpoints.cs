using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>GET /api/v1/harvest/status: the per target × data source harvest verdicts shown atop /harvest.</summary>
public static class HarvestStatusEndpoints
{
    public static IEndpointRouteBuilder MapHarvestStatusApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/v1").WithTags("BatchInsights")
            .MapGet("/harvest/status", GetHarvestStatusAsync).WithName("GetHarvestStatus")
            .WithSummary("Per account, region and data source: last run, last success, last failure with reason and missing IAM permission, lag, calls and throttles, and a health verdict (Ok, Stale, Failing, Never).");
        return endpoints;
    }

    public static async Task<Ok<IReadOnlyList<HarvestSourceStatus>>> GetHarvestStatusAsync(
        HarvestStatusQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.ListAsync(cancellationToken));
}
