using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class ReportDeliveryRowConfiguration : IEntityTypeConfiguration<ReportDeliveryRow>
{
    public void Configure(EntityTypeBuilder<ReportDeliveryRow> b)
    {
        b.ToTable("report_deliveries");
        b.HasKey(x => x.Id);
        // Never twice for the same week and recipient: a second run finds the row instead of adding one.
        b.HasIndex(x => new { x.Week, x.Channel, x.Recipient }).IsUnique();
        // The retry job reads due Failed rows.
        b.HasIndex(x => new { x.State, x.NextAttemptAt });
        b.Property(x => x.Week).HasMaxLength(8);
        b.Property(x => x.Channel).HasMaxLength(16);
        b.Property(x => x.Recipient).HasMaxLength(320);
        b.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.MessageId).HasMaxLength(998);
    }
}
