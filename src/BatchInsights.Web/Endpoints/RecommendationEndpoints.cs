using BatchInsights.Core.Browse;
using BatchInsights.Core.Recommendations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>GET /api/v1/recommendations (latest run, largest savings first) and /api/v1/recommendations/{id}.</summary>
public static class RecommendationEndpoints
{
    public static IEndpointRouteBuilder MapRecommendationApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/recommendations", ListAsync).WithName("ListRecommendations")
            .WithSummary("Recommendations of the latest run, largest monthly savings first; `account`/`region` filter, `includeDismissed=true` shows dismissed ones.");
        api.MapGet("/recommendations/{id:long}", GetAsync).WithName("GetRecommendation")
            .WithSummary("One recommendation with its proposed change, evidence, assumptions and history.");
        return endpoints;
    }

    public static async Task<Ok<IReadOnlyList<RecommendationSummary>>> ListAsync(
        RecommendationStore store, string? account, string? region, bool? includeDismissed, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListLatestAsync(TargetFilter.From(account, region), includeDismissed ?? false, cancellationToken));

    public static async Task<Results<Ok<RecommendationDetail>, NotFound>> GetAsync(RecommendationStore store, long id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound();
}
