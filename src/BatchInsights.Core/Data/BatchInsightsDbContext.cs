using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

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
    public DbSet<Ec2InstanceRow> Ec2Instances => Set<Ec2InstanceRow>();
    public DbSet<ContainerInstanceRow> ContainerInstances => Set<ContainerInstanceRow>();
    public DbSet<NetworkSubnetRow> NetworkSubnets => Set<NetworkSubnetRow>();
    public DbSet<NetworkNatGatewayRow> NetworkNatGateways => Set<NetworkNatGatewayRow>();
    public DbSet<NetworkEndpointRow> NetworkEndpoints => Set<NetworkEndpointRow>();
    public DbSet<NatGatewayDailyBytesRow> NatGatewayDailyBytes => Set<NatGatewayDailyBytesRow>();
    public DbSet<ComputeEnvironmentNetworkRow> ComputeEnvironmentNetworks => Set<ComputeEnvironmentNetworkRow>();
    public DbSet<RecommendationRunRow> RecommendationRuns => Set<RecommendationRunRow>();
    public DbSet<RecommendationRow> Recommendations => Set<RecommendationRow>();
    public DbSet<RecommendationDismissalRow> RecommendationDismissals => Set<RecommendationDismissalRow>();
    public DbSet<AttemptCostRow> AttemptCosts => Set<AttemptCostRow>();
    public DbSet<CostRollupRow> CostRollups => Set<CostRollupRow>();
    public DbSet<WeeklyReportRow> WeeklyReports => Set<WeeklyReportRow>();
    public DbSet<ReportDeliveryRow> ReportDeliveries => Set<ReportDeliveryRow>();
    public DbSet<AuditEntryRow> AuditEntries => Set<AuditEntryRow>();

    // SaveChanges() and SaveChangesAsync(ct) both end up in these two overloads.
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseAuditRewrites();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseAuditRewrites();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The audit log is append-only: a changed or removed entry would make it worthless as a record.</summary>
    private void RefuseAuditRewrites()
    {
        foreach (var entry in ChangeTracker.Entries<AuditEntryRow>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException(
                    $"Audit entry {entry.Entity.Id} cannot be {(entry.State == EntityState.Deleted ? "deleted" : "changed")}: the audit log is append-only; record what happened as a new entry.");
            }
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BatchInsightsDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Every stored DateTime is UTC. PostgreSQL (timestamptz) gives it back as Kind Utc, SQLite (text) as
        // Unspecified, which JSON then writes without its 'Z': mark it Utc on read so both providers agree.
        // Writes stay as they are, so PostgreSQL still rejects a non-UTC time instead of shifting it.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcOnReadConverter>();
    }

    private sealed class UtcOnReadConverter() : ValueConverter<DateTime, DateTime>(
        v => v,
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
