using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>Costs from the roll-ups under /api/v1 (static handler, callable from tests).</summary>
public static class CostEndpoints
{
    public static IEndpointRouteBuilder MapCostApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/costs", GetCostsAsync).WithName("GetCosts")
            .WithSummary("What job attempts and idle capacity cost, grouped, with a daily series.")
            .WithDescription("`groupBy` is `queue` (default), `ce`, `definition`, `share` or `tag:<key>` (a key in Costs:TagKeys). "
                + "`from`/`to` are epoch milliseconds or ISO-8601 (default: the last 7 UTC days; `to` exclusive); whole UTC days read the daily "
                + "roll-ups, other ranges the hourly ones widened to whole hours. `account`/`region` filter. Money is USD. "
                + "An attempt pays the larger of its vCPU, memory and GPU fractions of its instance; what no attempt reserved is the CE's idle cost "
                + "(its own group, or inside each CE's group with `groupBy=ce`). `estimatedUsd` rests on guessed instances or prices.");
        return endpoints;
    }

    public static async Task<Results<Ok<CostReport>, ValidationProblem>> GetCostsAsync(
        CostQueries queries,
        string? groupBy,
        string? from,
        string? to,
        string? account,
        string? region,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        long? fromMs = ApiEndpoints.ReadTime(from, "from", errors);
        long? toMs = ApiEndpoints.ReadTime(to, "to", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        try
        {
            return TypedResults.Ok(await queries.GetAsync(CostGrouping.Parse(groupBy), fromMs, toMs, TargetFilter.From(account, region), cancellationToken));
        }
        catch (InvalidQueryParameterException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Parameter] = [ex.Message] });
        }
    }
}
