using BatchInsights.Core.Access;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BatchInsights.Core.Data;

/// <summary>
/// The one database: harvested data, costs, recommendations, reports, the audit log, and the dashboard's users, API
/// tokens and data-protection keys (shared by every instance, so a sign-in cookie works on any of them).
/// </summary>
public sealed class BatchInsightsDbContext(DbContextOptions<BatchInsightsDbContext> options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<ApiTokenRow> ApiTokens => Set<ApiTokenRow>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
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
        base.OnModelCreating(modelBuilder);
        // Identity's tables in the naming of the rest of the schema.
        modelBuilder.Entity<AppUser>().ToTable("users");
        modelBuilder.Entity<IdentityRole>().ToTable("roles");
        modelBuilder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        modelBuilder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        modelBuilder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        modelBuilder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        modelBuilder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");
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
