namespace BatchInsights.Core.Aws;

/// <summary>A subnet as DescribeSubnets describes it (the parts the network analysis uses).</summary>
public sealed record SubnetSnapshot(string SubnetId, string VpcId, string AvailabilityZone, string? CidrBlock, bool MapPublicIpOnLaunch);

/// <summary>One route of a route table; GatewayId holds "local", igw-… and vpce-… (gateway endpoints) targets.</summary>
public sealed record RouteSnapshot(
    string? DestinationCidrBlock,
    string? DestinationPrefixListId,
    string? GatewayId,
    string? NatGatewayId,
    string? InstanceId,
    string? NetworkInterfaceId,
    string? State);

/// <summary>A route table: <see cref="IsMain"/> when it is its VPC's main table; SubnetIds = explicit associations.</summary>
public sealed record RouteTableSnapshot(string RouteTableId, string VpcId, bool IsMain, IReadOnlyList<string> SubnetIds, IReadOnlyList<RouteSnapshot> Routes);

/// <summary>A NAT gateway. Its AZ is its subnet's (DescribeNatGateways does not report it for zonal NAT gateways).</summary>
public sealed record NatGatewaySnapshot(string NatGatewayId, string VpcId, string SubnetId, string State, string? ConnectivityType);

/// <summary>A VPC endpoint: Type is "Gateway" or "Interface" (others, e.g. GatewayLoadBalancer, as AWS names them).</summary>
public sealed record VpcEndpointSnapshot(
    string VpcEndpointId,
    string VpcId,
    string ServiceName,
    string Type,
    string State,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> RouteTableIds);
