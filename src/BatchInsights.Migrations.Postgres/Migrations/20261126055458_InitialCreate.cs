using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BatchInsights.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_environments",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    Arn = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Type = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: true),
                    StatusReason = table.Column<string>(type: "text", nullable: true),
                    ResourceType = table.Column<string>(type: "text", nullable: true),
                    InstanceTypes = table.Column<string>(type: "text", nullable: false),
                    MinvCpus = table.Column<int>(type: "integer", nullable: true),
                    DesiredvCpus = table.Column<int>(type: "integer", nullable: true),
                    MaxvCpus = table.Column<int>(type: "integer", nullable: true),
                    BidPercentage = table.Column<int>(type: "integer", nullable: true),
                    AllocationStrategy = table.Column<string>(type: "text", nullable: true),
                    Subnets = table.Column<string>(type: "text", nullable: false),
                    EcsClusterArn = table.Column<string>(type: "text", nullable: true),
                    ServiceRole = table.Column<string>(type: "text", nullable: true),
                    RawJson = table.Column<string>(type: "text", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_environments", x => new { x.Account, x.Region, x.Arn });
                });

            migrationBuilder.CreateTable(
                name: "harvest_runs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Outcome = table.Column<string>(type: "text", nullable: false),
                    Calls = table.Column<long>(type: "bigint", nullable: false),
                    Throttled = table.Column<long>(type: "bigint", nullable: false),
                    JobsListed = table.Column<long>(type: "bigint", nullable: false),
                    JobsDescribed = table.Column<long>(type: "bigint", nullable: false),
                    JobsWritten = table.Column<long>(type: "bigint", nullable: false),
                    Queues = table.Column<int>(type: "integer", nullable: false),
                    ComputeEnvironments = table.Column<int>(type: "integer", nullable: false),
                    Error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_harvest_runs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "harvest_watermarks",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    Scope = table.Column<string>(type: "text", nullable: false),
                    ValueMs = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_harvest_watermarks", x => new { x.Account, x.Region, x.Scope });
                });

            migrationBuilder.CreateTable(
                name: "job_attempts",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    JobId = table.Column<string>(type: "text", nullable: false),
                    AttemptIndex = table.Column<int>(type: "integer", nullable: false),
                    ContainerInstanceArn = table.Column<string>(type: "text", nullable: true),
                    TaskArn = table.Column<string>(type: "text", nullable: true),
                    StartedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    StoppedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    ExitCode = table.Column<int>(type: "integer", nullable: true),
                    Reason = table.Column<string>(type: "text", nullable: true),
                    StatusReason = table.Column<string>(type: "text", nullable: true),
                    LogStreamName = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_job_attempts", x => new { x.Account, x.Region, x.JobId, x.AttemptIndex });
                });

            migrationBuilder.CreateTable(
                name: "job_definitions",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    Arn = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: true),
                    Type = table.Column<string>(type: "text", nullable: false),
                    Vcpus = table.Column<double>(type: "double precision", nullable: true),
                    MemoryMib = table.Column<long>(type: "bigint", nullable: true),
                    Gpus = table.Column<int>(type: "integer", nullable: true),
                    PlatformCapabilities = table.Column<string>(type: "text", nullable: false),
                    NumNodes = table.Column<int>(type: "integer", nullable: true),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_job_definitions", x => new { x.Account, x.Region, x.Arn });
                });

            migrationBuilder.CreateTable(
                name: "job_queues",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    Arn = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: true),
                    StatusReason = table.Column<string>(type: "text", nullable: true),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    ComputeEnvironmentOrder = table.Column<string>(type: "text", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_job_queues", x => new { x.Account, x.Region, x.Arn });
                });

            migrationBuilder.CreateTable(
                name: "jobs",
                columns: table => new
                {
                    Account = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: false),
                    JobId = table.Column<string>(type: "text", nullable: false),
                    JobName = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    JobArn = table.Column<string>(type: "text", nullable: true),
                    QueueName = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StatusReason = table.Column<string>(type: "text", nullable: true),
                    CreatedAtMs = table.Column<long>(type: "bigint", nullable: false),
                    StartedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    StoppedAtMs = table.Column<long>(type: "bigint", nullable: true),
                    JobDefinitionArn = table.Column<string>(type: "text", nullable: true),
                    Vcpus = table.Column<double>(type: "double precision", nullable: true),
                    MemoryMib = table.Column<long>(type: "bigint", nullable: true),
                    Gpus = table.Column<int>(type: "integer", nullable: true),
                    ArrayParentId = table.Column<string>(type: "text", nullable: true),
                    ArrayIndex = table.Column<int>(type: "integer", nullable: true),
                    ArraySize = table.Column<int>(type: "integer", nullable: true),
                    NumNodes = table.Column<int>(type: "integer", nullable: true),
                    ShareIdentifier = table.Column<string>(type: "text", nullable: true),
                    ExitCode = table.Column<int>(type: "integer", nullable: true),
                    ContainerReason = table.Column<string>(type: "text", nullable: true),
                    LogStreamName = table.Column<string>(type: "text", nullable: true),
                    AttemptCount = table.Column<int>(type: "integer", nullable: false),
                    IsTerminal = table.Column<bool>(type: "boolean", nullable: false),
                    FromSummary = table.Column<bool>(type: "boolean", nullable: false),
                    HarvestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_jobs", x => new { x.Account, x.Region, x.JobId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_environments_Name",
                table: "compute_environments",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_harvest_runs_StartedAt",
                table: "harvest_runs",
                column: "StartedAt");

            migrationBuilder.CreateIndex(
                name: "IX_job_queues_Name",
                table: "job_queues",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_jobs_ArrayParentId",
                table: "jobs",
                column: "ArrayParentId");

            migrationBuilder.CreateIndex(
                name: "IX_jobs_CreatedAtMs_JobId",
                table: "jobs",
                columns: new[] { "CreatedAtMs", "JobId" });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_JobId",
                table: "jobs",
                column: "JobId");

            migrationBuilder.CreateIndex(
                name: "IX_jobs_QueueName_CreatedAtMs_JobId",
                table: "jobs",
                columns: new[] { "QueueName", "CreatedAtMs", "JobId" });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_QueueName_Status_CreatedAtMs_JobId",
                table: "jobs",
                columns: new[] { "QueueName", "Status", "CreatedAtMs", "JobId" });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_Status_CreatedAtMs_JobId",
                table: "jobs",
                columns: new[] { "Status", "CreatedAtMs", "JobId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_environments");

            migrationBuilder.DropTable(
                name: "harvest_runs");

            migrationBuilder.DropTable(
                name: "harvest_watermarks");

            migrationBuilder.DropTable(
                name: "job_attempts");

            migrationBuilder.DropTable(
                name: "job_definitions");

            migrationBuilder.DropTable(
                name: "job_queues");

            migrationBuilder.DropTable(
                name: "jobs");
        }
    }
}
