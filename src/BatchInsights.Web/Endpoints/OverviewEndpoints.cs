using BatchInsights.Core.Browse;
using BatchInsights.Core.Overview;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>GET /api/v1/overview: the landing page's snapshot as JSON (static handler, callable from tests).</summary>
public static class OverviewEndpoints
{
    public static IEndpointRouteBuilder MapOverviewApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/v1").WithTags("BatchInsights")
            .MapGet("/overview", GetOverviewAsync).WithName("GetOverview")
            .WithSummary("What the Overview page shows: spend this ISO week and last (Reports:TimeZone), the 30-day daily trend, top 5 queues/CEs/job definitions/teams, "
                + "jobs by status, stuck queues, failures by cause over 7 days, savings available and harvest freshness; `account`/`region` filter.")
            .WithDescription("Money is USD; `estimatedUsd` parts rest on guessed instances or prices (as in /api/v1/costs). `savingsRealized` is null until "
                + "recommendations can be applied. `hasData` is false before the first harvest or cost roll-up.");
        return endpoints;
    }

    public static async Task<Ok<OverviewSnapshot>> GetOverviewAsync(
        OverviewQueries queries, string? account, string? region, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.GetAsync(TargetFilter.From(account, region), cancellationToken));
}
