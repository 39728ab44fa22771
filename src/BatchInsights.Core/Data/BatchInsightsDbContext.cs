using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Data;

public sealed class BatchInsightsDbContext(DbContextOptions<BatchInsightsDbContext> options) : DbContext(options)
{
    public DbSet<ComputeEnvironmentRow> ComputeEnvironments => Set<ComputeEnvironmentRow>();
    public DbSet<JobQueueRow> JobQueues => Set<JobQueueRow>();
    public DbSet<JobDefinitionRow> JobDefinitions => Set<JobDefinitionRow>();
    public DbSet<JobRow> Jobs => Set<JobRow>();
    public DbSet<JobAttemptRow> JobAttempts => Set<JobAttemptRow>();
    public DbSet<HarvestRunRow> HarvestRuns => Set<HarvestRunRow>();
    public DbSet<HarvestWatermarkRow> HarvestWatermarks => Set<HarvestWatermarkRow>();
    public DbSet<SpotPriceChangeRow> SpotPriceChanges => Set<SpotPriceChangeRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BatchInsightsDbContext).Assembly);
    }
}
