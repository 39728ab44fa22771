using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddNetworkAndAttemptPlacementIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_environment_networks",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    ComputeEnvironmentArn = table.Column<string>(type: "text", nullable: false),
                    ComputeEnvironmentName = table.Column<string>(type: "text", nullable: false),
                    VpcId = table.Column<string>(type: "text", nullable: true),
                    Path = table.Column<string>(type: "text", nullable: false),
                    Evidence = table.Column<string>(type: "text", nullable: false),
                    MissingEndpoints = table.Column<string>(type: "text", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_environment_networks", x => new { x.Account, x.Region, x.ComputeEnvironmentArn });
                });

            migrationBuilder.CreateTable(
                name: "nat_gateway_daily_bytes",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    NatGatewayId = table.Column<string>(type: "text", nullable: false),
                    DayMs = table.Column<long>(type: "bigint", nullable: false),
                    BytesOutToDestination = table.Column<long>(type: "bigint", nullable: false),
                    BytesInFromDestination = table.Column<long>(type: "bigint", nullable: false),
                    BytesOutToSource = table.Column<long>(type: "bigint", nullable: false),
                    BytesInFromSource = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nat_gateway_daily_bytes", x => new { x.Account, x.Region, x.NatGatewayId, x.DayMs });
                });

            migrationBuilder.CreateTable(
                name: "network_endpoints",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    VpcEndpointId = table.Column<string>(type: "text", nullable: false),
                    VpcId = table.Column<string>(type: "text", nullable: false),
                    ServiceName = table.Column<string>(type: "text", nullable: false),
                    Type = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false),
                    SubnetIds = table.Column<string>(type: "text", nullable: false),
                    AvailabilityZones = table.Column<string>(type: "text", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_endpoints", x => new { x.Account, x.Region, x.VpcEndpointId });
                });

            migrationBuilder.CreateTable(
                name: "network_nat_gateways",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    NatGatewayId = table.Column<string>(type: "text", nullable: false),
                    VpcId = table.Column<string>(type: "text", nullable: false),
                    SubnetId = table.Column<string>(type: "text", nullable: false),
                    AvailabilityZone = table.Column<string>(type: "text", nullable: true),
                    State = table.Column<string>(type: "text", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_nat_gateways", x => new { x.Account, x.Region, x.NatGatewayId });
                });

            migrationBuilder.CreateTable(
                name: "network_subnets",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    SubnetId = table.Column<string>(type: "text", nullable: false),
                    VpcId = table.Column<string>(type: "text", nullable: false),
                    AvailabilityZone = table.Column<string>(type: "text", nullable: false),
                    MapPublicIpOnLaunch = table.Column<bool>(type: "boolean", nullable: false),
                    RouteTableId = table.Column<string>(type: "text", nullable: true),
                    RouteTableIsMain = table.Column<bool>(type: "boolean", nullable: false),
                    DefaultRouteKind = table.Column<string>(type: "text", nullable: false),
                    DefaultRouteTarget = table.Column<string>(type: "text", nullable: true),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_subnets", x => new { x.Account, x.Region, x.SubnetId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_job_attempts_Account_Region_ContainerInstanceArn",
                table: "job_attempts",
                columns: new[] { "Account", "Region", "ContainerInstanceArn" });

            migrationBuilder.CreateIndex(
                name: "IX_network_endpoints_Account_Region_VpcId",
                table: "network_endpoints",
                columns: new[] { "Account", "Region", "VpcId" });

            migrationBuilder.CreateIndex(
                name: "IX_network_nat_gateways_Account_Region_VpcId",
                table: "network_nat_gateways",
                columns: new[] { "Account", "Region", "VpcId" });

            migrationBuilder.CreateIndex(
                name: "IX_network_subnets_Account_Region_VpcId",
                table: "network_subnets",
                columns: new[] { "Account", "Region", "VpcId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_environment_networks");

            migrationBuilder.DropTable(
                name: "nat_gateway_daily_bytes");

            migrationBuilder.DropTable(
                name: "network_endpoints");

            migrationBuilder.DropTable(
                name: "network_nat_gateways");

            migrationBuilder.DropTable(
                name: "network_subnets");

            migrationBuilder.DropIndex(
                name: "IX_job_attempts_Account_Region_ContainerInstanceArn",
                table: "job_attempts");
        }
    }
}
