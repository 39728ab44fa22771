using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class WeeklyReportRowConfiguration : IEntityTypeConfiguration<WeeklyReportRow>
{
    public void Configure(EntityTypeBuilder<WeeklyReportRow> b)
    {
        b.ToTable("weekly_reports");
        // "2026-W47" sorts like the week itself, so the archive orders by the key.
        b.HasKey(x => x.Week);
        b.Property(x => x.Week).HasMaxLength(8);
        b.Property(x => x.TimeZone).HasMaxLength(64);
    }
}
