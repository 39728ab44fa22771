using System.Globalization;
using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>Spot price history and the instance catalog under /api/v1 (static handlers, callable from tests).</summary>
public static class SpotPriceEndpoints
{
    public static IEndpointRouteBuilder MapSpotPriceApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/spot-prices", GetSpotPricesAsync).WithName("ListSpotPrices")
            .WithSummary("Harvested Spot price changes of one instance type, with its On-Demand price.")
            .WithDescription("`instanceType` is required; `az` optional. `from`/`to` are epoch milliseconds or ISO-8601 (default: the last 7 days; `to` exclusive). "
                + "Per pool, the first item may predate `from`: it is the price in effect when the window starts. `product` defaults to `Linux/UNIX`. "
                + "`limit` is 1-10000 (default 10000); `truncated` says more changes fell in the window than were returned (the oldest are kept).");
        api.MapGet("/instance-types", GetInstanceTypes).WithName("ListInstanceTypes")
            .WithSummary("The instance catalog with Linux On-Demand prices (`region`, default us-east-1) and where each price came from.");
        return endpoints;
    }

    public static async Task<Results<Ok<SpotPriceHistory>, ValidationProblem>> GetSpotPricesAsync(
        SpotPriceQueries queries,
        string? instanceType,
        string? az,
        string? from,
        string? to,
        string? product,
        string? limit,
        string? account,
        string? region,
        CancellationToken cancellationToken)
    {
        // Strings, not typed parameters: a bad value gets a ProblemDetails naming it.
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        long? fromMs = ApiEndpoints.ReadTime(from, "from", errors);
        long? toMs = ApiEndpoints.ReadTime(to, "to", errors);
        var take = SpotPriceQueries.MaxLimit;
        if (!string.IsNullOrEmpty(limit) && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take))
        {
            errors["limit"] = [$"limit must be a whole number between 1 and {SpotPriceQueries.MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        try
        {
            return TypedResults.Ok(await queries.GetHistoryAsync(
                new SpotPriceFilter(instanceType, az, fromMs, toMs, product, account, region), take, cancellationToken));
        }
        catch (InvalidQueryParameterException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Parameter] = [ex.Message] });
        }
    }

    public static Ok<IReadOnlyList<InstanceTypeSummary>> GetInstanceTypes(CatalogQueries queries, string? region) =>
        TypedResults.Ok(queries.List(region));
}
