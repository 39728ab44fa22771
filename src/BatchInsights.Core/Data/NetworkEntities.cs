namespace BatchInsights.Core.Data;

// The network snapshot of the VPCs that harvested EC2 compute environments use (see Harvesting/NetworkHarvester).
// A harvest replaces a VPC's subnet, NAT gateway and endpoint rows; NAT gateway daily bytes are kept as history.

/// <summary>A subnet of a CE and how its route table sends 0.0.0.0/0.</summary>
public sealed class NetworkSubnetRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string SubnetId { get; set; }
    public required string VpcId { get; set; }
    public required string AvailabilityZone { get; set; }
    public bool MapPublicIpOnLaunch { get; set; }
    /// <summary>The route table in effect: the explicit association, else the VPC's main table; null when unknown.</summary>
    public string? RouteTableId { get; set; }
    public bool RouteTableIsMain { get; set; }
    /// <summary>NatGateway | NatInstance | InternetGateway | None | Other | Unknown (route tables not readable).</summary>
    public required string DefaultRouteKind { get; set; }
    /// <summary>nat-…, i-…, igw-… or another target id; null for None/Unknown.</summary>
    public string? DefaultRouteTarget { get; set; }
    public DateTime HarvestedAt { get; set; }
}

public sealed class NetworkNatGatewayRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string NatGatewayId { get; set; }
    public required string VpcId { get; set; }
    public required string SubnetId { get; set; }
    /// <summary>The AZ of its subnet; null when that subnet could not be described.</summary>
    public string? AvailabilityZone { get; set; }
    public required string State { get; set; }
    public DateTime HarvestedAt { get; set; }
}

public sealed class NetworkEndpointRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string VpcEndpointId { get; set; }
    public required string VpcId { get; set; }
    /// <summary>com.amazonaws.us-east-1.ecs-agent.</summary>
    public required string ServiceName { get; set; }
    /// <summary>Gateway | Interface | ….</summary>
    public required string Type { get; set; }
    public required string State { get; set; }
    /// <summary>Comma-separated subnet ids (interface endpoints).</summary>
    public string SubnetIds { get; set; } = "";
    /// <summary>Comma-separated AZs of those subnets, where known.</summary>
    public string AvailabilityZones { get; set; } = "";
    public DateTime HarvestedAt { get; set; }
}

/// <summary>One UTC day of a NAT gateway's CloudWatch byte counters (Sum over the day).</summary>
public sealed class NatGatewayDailyBytesRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string NatGatewayId { get; set; }
    /// <summary>The day's start, epoch ms (UTC midnight).</summary>
    public long DayMs { get; set; }
    public long BytesOutToDestination { get; set; }
    public long BytesInFromDestination { get; set; }
    public long BytesOutToSource { get; set; }
    public long BytesInFromSource { get; set; }
}

/// <summary>How one EC2 compute environment reaches ECS, with the evidence (see Networking/NetworkPathAnalyzer).</summary>
public sealed class ComputeEnvironmentNetworkRow
{
    public required string Account { get; set; }
    public required string Region { get; set; }
    public required string ComputeEnvironmentArn { get; set; }
    public required string ComputeEnvironmentName { get; set; }
    public string? VpcId { get; set; }
    /// <summary>A <c>NetworkPathKind</c> value.</summary>
    public required string Path { get; set; }
    /// <summary>One line per subnet: how it reaches ECS and why.</summary>
    public string Evidence { get; set; } = "";
    /// <summary>Comma-separated endpoint services a NAT-free setup would still need (ecs, ecr.dkr, s3, …).</summary>
    public string MissingEndpoints { get; set; } = "";
    public DateTime HarvestedAt { get; set; }
}
