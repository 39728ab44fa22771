using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class AuditEntryRowConfiguration : IEntityTypeConfiguration<AuditEntryRow>
{
    public void Configure(EntityTypeBuilder<AuditEntryRow> b)
    {
        b.ToTable("audit_entries");
        b.HasKey(x => x.Id);
        // "Applied by … at …" on a recommendation, and the outcome/rollback rows of an apply.
        b.HasIndex(x => x.RecommendationId);
        b.HasIndex(x => x.ParentId);
        b.Property(x => x.Actor).HasMaxLength(256);
        b.Property(x => x.Action).HasMaxLength(32);
        b.Property(x => x.Account).HasMaxLength(64);
        b.Property(x => x.Region).HasMaxLength(32);
        b.Property(x => x.ComputeEnvironment).HasMaxLength(128);
        b.Property(x => x.AwsRequestId).HasMaxLength(128);
        b.Property(x => x.Result).HasMaxLength(32);
    }
}
