using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Data;

internal sealed class RecommendationRunRowConfiguration : IEntityTypeConfiguration<RecommendationRunRow>
{
    public void Configure(EntityTypeBuilder<RecommendationRunRow> b)
    {
        b.ToTable("recommendation_runs");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.StartedAt);
    }
}

internal sealed class RecommendationRowConfiguration : IEntityTypeConfiguration<RecommendationRow>
{
    public void Configure(EntityTypeBuilder<RecommendationRow> b)
    {
        b.ToTable("recommendations");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.RunId);
        b.HasIndex(x => x.Fingerprint);
        b.HasIndex(x => new { x.Account, x.Region, x.TargetName });
    }
}

internal sealed class RecommendationDismissalRowConfiguration : IEntityTypeConfiguration<RecommendationDismissalRow>
{
    public void Configure(EntityTypeBuilder<RecommendationDismissalRow> b)
    {
        b.ToTable("recommendation_dismissals");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.Fingerprint);
    }
}
