using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Costs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TagsJson",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "attempt_costs",
                columns: table => new
                {
                    Account = table.Column<string>(type: "TEXT", nullable: false),
                    Region = table.Column<string>(type: "TEXT", nullable: false),
                    JobId = table.Column<string>(type: "TEXT", nullable: false),
                    AttemptIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    ComputeEnvironment = table.Column<string>(type: "TEXT", nullable: false),
                    QueueName = table.Column<string>(type: "TEXT", nullable: false),
                    JobDefinition = table.Column<string>(type: "TEXT", nullable: false),
                    ShareIdentifier = table.Column<string>(type: "TEXT", nullable: false),
                    TagsJson = table.Column<string>(type: "TEXT", nullable: true),
                    StartedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    StoppedAtMs = table.Column<long>(type: "INTEGER", nullable: false),
                    InstanceId = table.Column<string>(type: "TEXT", nullable: true),
                    InstanceType = table.Column<string>(type: "TEXT", nullable: true),
                    AvailabilityZone = table.Column<string>(type: "TEXT", nullable: true),
                    Lifecycle = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Share = table.Column<double>(type: "REAL", nullable: false),
                    CostMicroUsd = table.Column<long>(type: "INTEGER", nullable: false),
                    Estimated = table.Column<bool>(type: "INTEGER", nullable: false),
                    EstimateBasis = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_attempt_costs", x => new { x.Account, x.Region, x.JobId, x.AttemptIndex });
                });

            migrationBuilder.CreateTable(
                name: "cost_rollups",
                columns: table => new
                {
                    Account = table.Column<string>(type: "TEXT", nullable: false),
                    Region = table.Column<string>(type: "TEXT", nullable: false),
                    PeriodHours = table.Column<int>(type: "INTEGER", nullable: false),
                    PeriodStartMs = table.Column<long>(type: "INTEGER", nullable: false),
                    ComputeEnvironment = table.Column<string>(type: "TEXT", nullable: false),
                    QueueName = table.Column<string>(type: "TEXT", nullable: false),
                    JobDefinition = table.Column<string>(type: "TEXT", nullable: false),
                    TagKey = table.Column<string>(type: "TEXT", nullable: false),
                    TagValue = table.Column<string>(type: "TEXT", nullable: false),
                    ShareIdentifier = table.Column<string>(type: "TEXT", nullable: false),
                    Lifecycle = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    IsIdle = table.Column<bool>(type: "INTEGER", nullable: false),
                    CostMicroUsd = table.Column<long>(type: "INTEGER", nullable: false),
                    EstimatedMicroUsd = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cost_rollups", x => new { x.Account, x.Region, x.PeriodHours, x.PeriodStartMs, x.ComputeEnvironment, x.QueueName, x.JobDefinition, x.TagKey, x.TagValue, x.ShareIdentifier, x.Lifecycle, x.IsIdle });
                });

            migrationBuilder.CreateIndex(
                name: "IX_attempt_costs_Account_Region_StartedAtMs",
                table: "attempt_costs",
                columns: new[] { "Account", "Region", "StartedAtMs" });

            migrationBuilder.CreateIndex(
                name: "IX_cost_rollups_PeriodHours_TagKey_PeriodStartMs",
                table: "cost_rollups",
                columns: new[] { "PeriodHours", "TagKey", "PeriodStartMs" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "attempt_costs");

            migrationBuilder.DropTable(
                name: "cost_rollups");

            migrationBuilder.DropColumn(
                name: "TagsJson",
                table: "jobs");
        }
    }
}
