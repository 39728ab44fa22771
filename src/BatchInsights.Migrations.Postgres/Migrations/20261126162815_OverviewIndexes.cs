using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class OverviewIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_jobs_Target_Status_Created",
                table: "jobs",
                columns: new[] { "Account", "Region", "Status", "CreatedAtMs" });

            migrationBuilder.CreateIndex(
                name: "IX_job_attempts_Failed",
                table: "job_attempts",
                columns: new[] { "StoppedAtMs", "Account", "Region", "ExitCode", "StatusReason", "Reason" },
                filter: "\"ExitCode\" IS NULL OR \"ExitCode\" <> 0");

            migrationBuilder.CreateIndex(
                name: "IX_job_attempts_Stopped",
                table: "job_attempts",
                columns: new[] { "StoppedAtMs", "Account", "Region" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_jobs_Target_Status_Created",
                table: "jobs");

            migrationBuilder.DropIndex(
                name: "IX_job_attempts_Failed",
                table: "job_attempts");

            migrationBuilder.DropIndex(
                name: "IX_job_attempts_Stopped",
                table: "job_attempts");
        }
    }
}
