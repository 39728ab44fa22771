using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class NetworkSubnetRowConfiguration : IEntityTypeConfiguration<NetworkSubnetRow>
{
    public void Configure(EntityTypeBuilder<NetworkSubnetRow> b)
    {
        b.ToTable("network_subnets");
        b.HasKey(x => new { x.Account, x.Region, x.SubnetId });
        b.HasIndex(x => new { x.Account, x.Region, x.VpcId });
    }
}

internal sealed class NetworkNatGatewayRowConfiguration : IEntityTypeConfiguration<NetworkNatGatewayRow>
{
    public void Configure(EntityTypeBuilder<NetworkNatGatewayRow> b)
    {
        b.ToTable("network_nat_gateways");
        b.HasKey(x => new { x.Account, x.Region, x.NatGatewayId });
        b.HasIndex(x => new { x.Account, x.Region, x.VpcId });
    }
}

internal sealed class NetworkEndpointRowConfiguration : IEntityTypeConfiguration<NetworkEndpointRow>
{
    public void Configure(EntityTypeBuilder<NetworkEndpointRow> b)
    {
        b.ToTable("network_endpoints");
        b.HasKey(x => new { x.Account, x.Region, x.VpcEndpointId });
        b.HasIndex(x => new { x.Account, x.Region, x.VpcId });
    }
}

internal sealed class NatGatewayDailyBytesRowConfiguration : IEntityTypeConfiguration<NatGatewayDailyBytesRow>
{
    public void Configure(EntityTypeBuilder<NatGatewayDailyBytesRow> b)
    {
        b.ToTable("nat_gateway_daily_bytes");
        b.HasKey(x => new { x.Account, x.Region, x.NatGatewayId, x.DayMs });
    }
}

internal sealed class ComputeEnvironmentNetworkRowConfiguration : IEntityTypeConfiguration<ComputeEnvironmentNetworkRow>
{
    public void Configure(EntityTypeBuilder<ComputeEnvironmentNetworkRow> b)
    {
        b.ToTable("compute_environment_networks");
        b.HasKey(x => new { x.Account, x.Region, x.ComputeEnvironmentArn });
    }
}
