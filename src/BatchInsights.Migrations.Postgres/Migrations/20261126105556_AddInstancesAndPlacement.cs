using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddInstancesAndPlacement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "container_instances",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    ContainerInstanceArn = table.Column<string>(type: "text", nullable: false),
                    ClusterName = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Ec2InstanceId = table.Column<string>(type: "text", nullable: true),
                    InstanceType = table.Column<string>(type: "text", nullable: true),
                    AvailabilityZone = table.Column<string>(type: "text", nullable: true),
                    RegisteredAtMs = table.Column<long>(type: "bigint", nullable: true),
                    EstimatedInstanceId = table.Column<string>(type: "text", nullable: true),
                    EstimatedInstanceType = table.Column<string>(type: "text", nullable: true),
                    EstimatedAvailabilityZone = table.Column<string>(type: "text", nullable: true),
                    EstimateBasis = table.Column<string>(type: "text", nullable: true),
                    DescribedAtMs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_container_instances", x => new { x.Account, x.Region, x.ContainerInstanceArn });
                });

            migrationBuilder.CreateTable(
                name: "ec2_instances",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    InstanceId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ComputeEnvironmentName = table.Column<string>(type: "text", nullable: true),
                    InstanceType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AvailabilityZone = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Lifecycle = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    LaunchTimeMs = table.Column<long>(type: "bigint", nullable: true),
                    FirstSeenMs = table.Column<long>(type: "bigint", nullable: false),
                    LastSeenMs = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    TerminatedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    StateReasonCode = table.Column<string>(type: "text", nullable: true),
                    StateReasonMessage = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ec2_instances", x => new { x.Account, x.Region, x.InstanceId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_container_instances_Account_Region_Ec2InstanceId",
                table: "container_instances",
                columns: new[] { "Account", "Region", "Ec2InstanceId" });

            migrationBuilder.CreateIndex(
                name: "IX_ec2_instances_Account_Region_ComputeEnvironmentName_LaunchT~",
                table: "ec2_instances",
                columns: new[] { "Account", "Region", "ComputeEnvironmentName", "LaunchTimeMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "container_instances");

            migrationBuilder.DropTable(
                name: "ec2_instances");
        }
    }
}
