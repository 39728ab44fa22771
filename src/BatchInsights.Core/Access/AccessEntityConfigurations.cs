using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BatchInsights.Core.Access;

internal sealed class ApiTokenRowConfiguration : IEntityTypeConfiguration<ApiTokenRow>
{
    public void Configure(EntityTypeBuilder<ApiTokenRow> b)
    {
        b.ToTable("api_tokens");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.UserId);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Name).HasMaxLength(128);
        b.Property(x => x.Prefix).HasMaxLength(16);
        b.Property(x => x.Hash).HasMaxLength(64);
    }
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    // Shared by every instance, so a sign-in cookie issued by one is read by the others.
    public void Configure(EntityTypeBuilder<DataProtectionKey> b) => b.ToTable("data_protection_keys");
}
