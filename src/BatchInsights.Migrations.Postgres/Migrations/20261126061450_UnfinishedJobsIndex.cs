using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatchInsights.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class UnfinishedJobsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_jobs_Unfinished",
                table: "jobs",
                columns: new[] { "Account", "Region", "QueueName" },
                filter: "NOT \"IsTerminal\" AND \"ArrayParentId\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_jobs_Unfinished",
                table: "jobs");
        }
    }
}
