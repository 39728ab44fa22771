using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>Instances per compute environment under /api/v1 (static handlers, callable from tests).</summary>
public static class InstanceEndpoints
{
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").WithTags("BatchInsights");
        api.MapGet("/compute-environments/{name}/instances", GetInstancesAsync).WithName("ListComputeEnvironmentInstances")
            .WithSummary("The EC2 instances a compute environment ran (newest first), Spot/On-Demand hours and Spot interruptions per type and AZ.")
            .WithDescription("Instances EC2 no longer listed when harvested are rebuilt from ECS and attempt evidence and carry `estimated: true` with their `basis`. "
                + "`unknownPlacements` counts attempts whose instance is unknown; `unmappedAttempts` those not yet looked up in ECS.");
        return endpoints;
    }

    public static async Task<Results<Ok<CeInstancesView>, NotFound>> GetInstancesAsync(InstanceQueries queries, string name, CancellationToken cancellationToken) =>
        await queries.GetForComputeEnvironmentAsync(name, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();
}
