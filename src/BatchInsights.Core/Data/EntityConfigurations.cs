using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class ComputeEnvironmentRowConfiguration : IEntityTypeConfiguration<ComputeEnvironmentRow>
{
    public void Configure(EntityTypeBuilder<ComputeEnvironmentRow> b)
    {
        b.ToTable("compute_environments");
        b.HasKey(x => new { x.Account, x.Region, x.Arn });
        b.HasIndex(x => x.Name);
    }
}

internal sealed class JobQueueRowConfiguration : IEntityTypeConfiguration<JobQueueRow>
{
    public void Configure(EntityTypeBuilder<JobQueueRow> b)
    {
        b.ToTable("job_queues");
        b.HasKey(x => new { x.Account, x.Region, x.Arn });
        b.HasIndex(x => x.Name);
    }
}

internal sealed class JobDefinitionRowConfiguration : IEntityTypeConfiguration<JobDefinitionRow>
{
    public void Configure(EntityTypeBuilder<JobDefinitionRow> b)
    {
        b.ToTable("job_definitions");
        b.HasKey(x => new { x.Account, x.Region, x.Arn });
    }
}

internal sealed class JobRowConfiguration : IEntityTypeConfiguration<JobRow>
{
    public void Configure(EntityTypeBuilder<JobRow> b)
    {
        b.ToTable("jobs");
        b.HasKey(x => new { x.Account, x.Region, x.JobId });
        // Keyset paging: newest first, job id as tie-breaker; the same with a queue and/or status in front.
        b.HasIndex(x => new { x.CreatedAtMs, x.JobId });
        b.HasIndex(x => new { x.QueueName, x.CreatedAtMs, x.JobId });
        b.HasIndex(x => new { x.Status, x.CreatedAtMs, x.JobId });
        b.HasIndex(x => new { x.QueueName, x.Status, x.CreatedAtMs, x.JobId });
        b.HasIndex(x => x.JobId);
        b.HasIndex(x => x.ArrayParentId);
        // Each harvest reads a queue's unfinished top-level jobs; without this the planner walks every row of
        // the account through the primary key (1.7 s per queue at 1M jobs). Partial: only open jobs are in it.
        // The filter is the SQL EF writes for !IsTerminal && ArrayParentId == null (same on SQLite and PostgreSQL).
        b.HasIndex(x => new { x.Account, x.Region, x.QueueName })
            .HasDatabaseName("IX_jobs_Unfinished")
            .HasFilter("NOT \"IsTerminal\" AND \"ArrayParentId\" IS NULL");
        // The Overview's jobs-by-status counts for one target: a range of this index per status (finished ones over the
        // last 24 h by CreatedAtMs). Without a target the (Status, CreatedAtMs, JobId) index answers.
        b.HasIndex(x => new { x.Account, x.Region, x.Status, x.CreatedAtMs }).HasDatabaseName("IX_jobs_Target_Status_Created");
        b.Property(x => x.JobName).HasMaxLength(128);
        b.Property(x => x.Status).HasMaxLength(16);
    }
}

internal sealed class JobAttemptRowConfiguration : IEntityTypeConfiguration<JobAttemptRow>
{
    public void Configure(EntityTypeBuilder<JobAttemptRow> b)
    {
        b.ToTable("job_attempts");
        b.HasKey(x => new { x.Account, x.Region, x.JobId, x.AttemptIndex });
        // The placement harvest asks for the distinct container instances attempts ran on; this index serves it without a sort.
        b.HasIndex(x => new { x.Account, x.Region, x.ContainerInstanceArn });
        // The Overview's failure rate over 7 days: attempts that stopped in a window are counted from this index alone…
        b.HasIndex(x => new { x.StoppedAtMs, x.Account, x.Region }).HasDatabaseName("IX_job_attempts_Stopped");
        // …and the failed ones (exit code other than 0, or none) grouped by exit code and reasons from this partial index,
        // which holds only failed attempts (~8 % of rows) with what the failure classification reads. The filter is the SQL EF
        // writes for ExitCode == null || ExitCode != 0 (same on SQLite and PostgreSQL); the recommender's failed-attempt
        // read uses it too. AWS caps attempt reasons at 255 characters, far below PostgreSQL's index entry limit.
        b.HasIndex(x => new { x.StoppedAtMs, x.Account, x.Region, x.ExitCode, x.StatusReason, x.Reason })
            .HasDatabaseName("IX_job_attempts_Failed")
            .HasFilter("\"ExitCode\" IS NULL OR \"ExitCode\" <> 0");
    }
}

internal sealed class HarvestRunRowConfiguration : IEntityTypeConfiguration<HarvestRunRow>
{
    public void Configure(EntityTypeBuilder<HarvestRunRow> b)
    {
        b.ToTable("harvest_runs");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.StartedAt);
    }
}

internal sealed class HarvestWatermarkRowConfiguration : IEntityTypeConfiguration<HarvestWatermarkRow>
{
    public void Configure(EntityTypeBuilder<HarvestWatermarkRow> b)
    {
        b.ToTable("harvest_watermarks");
        b.HasKey(x => new { x.Account, x.Region, x.Scope });
    }
}

internal sealed class SpotPriceChangeRowConfiguration : IEntityTypeConfiguration<SpotPriceChangeRow>
{
    public void Configure(EntityTypeBuilder<SpotPriceChangeRow> b)
    {
        b.ToTable("spot_price_changes");
        b.HasKey(x => new { x.Account, x.Region, x.AvailabilityZone, x.InstanceType, x.ProductDescription, x.TimestampMs });
        // Price history of a type across AZs in a window (the Spot prices page and API).
        b.HasIndex(x => new { x.Account, x.Region, x.InstanceType, x.TimestampMs });
        // The same without account and region, as the Spot prices page and /api/v1/spot-prices ask (type + product, a
        // window by time; the type picker's DISTINCT reads it too). Without it both scanned the table (bench spot-query).
        b.HasIndex(x => new { x.InstanceType, x.ProductDescription, x.TimestampMs }).HasDatabaseName("IX_spot_price_changes_Type_Product_Time");
        b.Property(x => x.AvailabilityZone).HasMaxLength(32);
        b.Property(x => x.InstanceType).HasMaxLength(32);
        b.Property(x => x.ProductDescription).HasMaxLength(64);
    }
}

internal sealed class Ec2InstanceRowConfiguration : IEntityTypeConfiguration<Ec2InstanceRow>
{
    public void Configure(EntityTypeBuilder<Ec2InstanceRow> b)
    {
        b.ToTable("ec2_instances");
        b.HasKey(x => new { x.Account, x.Region, x.InstanceId });
        // The CE page lists a CE's instances, newest first.
        b.HasIndex(x => new { x.Account, x.Region, x.ComputeEnvironmentName, x.LaunchTimeMs });
        b.Property(x => x.InstanceId).HasMaxLength(32);
        b.Property(x => x.InstanceType).HasMaxLength(32);
        b.Property(x => x.AvailabilityZone).HasMaxLength(32);
        b.Property(x => x.Lifecycle).HasMaxLength(16);
        b.Property(x => x.State).HasMaxLength(16);
    }
}

internal sealed class ContainerInstanceRowConfiguration : IEntityTypeConfiguration<ContainerInstanceRow>
{
    public void Configure(EntityTypeBuilder<ContainerInstanceRow> b)
    {
        b.ToTable("container_instances");
        b.HasKey(x => new { x.Account, x.Region, x.ContainerInstanceArn });
        b.HasIndex(x => new { x.Account, x.Region, x.Ec2InstanceId });
        b.Property(x => x.Status).HasMaxLength(16);
    }
}
