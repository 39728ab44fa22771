using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class AttemptCostRowConfiguration : IEntityTypeConfiguration<AttemptCostRow>
{
    public void Configure(EntityTypeBuilder<AttemptCostRow> b)
    {
        b.ToTable("attempt_costs");
        b.HasKey(x => new { x.Account, x.Region, x.JobId, x.AttemptIndex });
        b.HasIndex(x => new { x.Account, x.Region, x.StartedAtMs });
        b.Property(x => x.Lifecycle).HasMaxLength(16);
    }
}

internal sealed class CostRollupRowConfiguration : IEntityTypeConfiguration<CostRollupRow>
{
    public void Configure(EntityTypeBuilder<CostRollupRow> b)
    {
        b.ToTable("cost_rollups");
        b.HasKey(x => new
        {
            x.Account, x.Region, x.PeriodHours, x.PeriodStartMs, x.ComputeEnvironment, x.QueueName, x.JobDefinition,
            x.TagKey, x.TagValue, x.ShareIdentifier, x.Lifecycle, x.IsIdle,
        });
        // The Costs page and API read one granularity over a time range (any target).
        b.HasIndex(x => new { x.PeriodHours, x.TagKey, x.PeriodStartMs });
        b.Property(x => x.Lifecycle).HasMaxLength(16);
    }
}
