using BatchInsights.Core.Networking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Web.Endpoints;

/// <summary>The network paths of the EC2 compute environments under /api/v1.</summary>
public static class NetworkEndpoints
{
    public static IEndpointRouteBuilder MapNetworkApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/v1").WithTags("BatchInsights")
            .MapGet("/network", GetNetworkAsync).WithName("GetNetwork")
            .WithSummary("Per EC2 compute environment: how it reaches ECS (NAT, endpoints, public IP or no path), NAT gateways with 30-day GB and monthly cost, endpoints per VPC.");
        return endpoints;
    }

    public static async Task<Ok<NetworkOverview>> GetNetworkAsync(NetworkQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.GetAsync(cancellationToken));
}
