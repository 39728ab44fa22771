using Amazon.EC2.Model;

namespace BatchInsights.Core.Aws;

public sealed partial class Ec2Api
{
    /// <summary>The network calls' page sizes (DescribeRouteTables allows at most 100, the others 1000).</summary>
    internal const int NetworkPageSize = 100;

    public async Task<IReadOnlyList<SubnetSnapshot>> DescribeSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subnetIds);
        if (subnetIds.Count == 0) return [];
        var results = new List<SubnetSnapshot>();
        // SubnetIds and MaxResults cannot be combined; chunks keep each request small.
        foreach (var chunk in subnetIds.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            var response = await CallAsync("DescribeSubnets", ct => _client.DescribeSubnetsAsync(new DescribeSubnetsRequest { SubnetIds = [.. chunk] }, ct), cancellationToken);
            foreach (var s in response.Subnets ?? [])
            {
                results.Add(new SubnetSnapshot(
                    Required(s.SubnetId, "DescribeSubnets", "subnetId"),
                    Required(s.VpcId, "DescribeSubnets", "vpcId"),
                    Required(s.AvailabilityZone, "DescribeSubnets", "availabilityZone"),
                    s.CidrBlock,
                    s.MapPublicIpOnLaunch ?? false));
            }
        }

        return results;
    }

    public Task<IReadOnlyList<RouteTableSnapshot>> DescribeRouteTablesAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        PagedByVpcAsync<RouteTableSnapshot>(vpcIds, "DescribeRouteTables", async (filter, token, ct) =>
        {
            var response = await _client.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [filter], MaxResults = NetworkPageSize, NextToken = token }, ct);
            var tables = (response.RouteTables ?? []).Select(t => new RouteTableSnapshot(
                Required(t.RouteTableId, "DescribeRouteTables", "routeTableId"),
                Required(t.VpcId, "DescribeRouteTables", "vpcId"),
                (t.Associations ?? []).Any(a => a.Main ?? false),
                (t.Associations ?? []).Where(a => !string.IsNullOrEmpty(a.SubnetId)).Select(a => a.SubnetId).ToList(),
                (t.Routes ?? []).Select(r => new RouteSnapshot(
                    r.DestinationCidrBlock, r.DestinationPrefixListId, r.GatewayId, r.NatGatewayId, r.InstanceId, r.NetworkInterfaceId, r.State?.Value)).ToList()))
                .ToList();
            return (tables, response.NextToken);
        }, cancellationToken);

    public Task<IReadOnlyList<NatGatewaySnapshot>> DescribeNatGatewaysAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        PagedByVpcAsync<NatGatewaySnapshot>(vpcIds, "DescribeNatGateways", async (filter, token, ct) =>
        {
            var response = await _client.DescribeNatGatewaysAsync(new DescribeNatGatewaysRequest { Filter = [filter], MaxResults = NetworkPageSize, NextToken = token }, ct);
            var nats = (response.NatGateways ?? []).Select(n => new NatGatewaySnapshot(
                Required(n.NatGatewayId, "DescribeNatGateways", "natGatewayId"),
                Required(n.VpcId, "DescribeNatGateways", "vpcId"),
                Required(n.SubnetId, "DescribeNatGateways", "subnetId"),
                n.State?.Value ?? "unknown",
                n.ConnectivityType?.Value)).ToList();
            return (nats, response.NextToken);
        }, cancellationToken);

    public Task<IReadOnlyList<VpcEndpointSnapshot>> DescribeVpcEndpointsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        PagedByVpcAsync<VpcEndpointSnapshot>(vpcIds, "DescribeVpcEndpoints", async (filter, token, ct) =>
        {
            var response = await _client.DescribeVpcEndpointsAsync(new DescribeVpcEndpointsRequest { Filters = [filter], MaxResults = NetworkPageSize, NextToken = token }, ct);
            var endpoints = (response.VpcEndpoints ?? []).Select(e => new VpcEndpointSnapshot(
                Required(e.VpcEndpointId, "DescribeVpcEndpoints", "vpcEndpointId"),
                Required(e.VpcId, "DescribeVpcEndpoints", "vpcId"),
                Required(e.ServiceName, "DescribeVpcEndpoints", "serviceName"),
                e.VpcEndpointType?.Value ?? "Gateway",
                e.State?.Value ?? "unknown",
                e.SubnetIds ?? [],
                e.RouteTableIds ?? [])).ToList();
            return (endpoints, response.NextToken);
        }, cancellationToken);

    /// <summary>Calls a paged Describe* with Filter vpc-id (200 values per request, AWS's filter limit) until NextToken runs out.</summary>
    private async Task<IReadOnlyList<T>> PagedByVpcAsync<T>(
        IReadOnlyList<string> vpcIds,
        string operation,
        Func<Filter, string?, CancellationToken, Task<(List<T> Items, string? NextToken)>> page,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vpcIds);
        var results = new List<T>();
        foreach (var chunk in vpcIds.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            var filter = new Filter { Name = "vpc-id", Values = [.. chunk] };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            string? token = null;
            do
            {
                var (items, next) = await CallAsync(operation, ct => page(filter, token, ct), cancellationToken);
                results.AddRange(items);
                token = string.IsNullOrEmpty(next) ? null : next;
                if (token is not null && !seen.Add(token))
                {
                    throw new AwsApiException(ServiceName, operation, $"unexpected response: NextToken '{token}' was returned twice");
                }
            }
            while (token is not null);
        }

        return results;
    }

    private static string Required(string? value, string operation, string field) =>
        string.IsNullOrEmpty(value) ? throw new AwsApiException(ServiceName, operation, $"unexpected response: an item has no {field}") : value;
}
