using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class DirectLineActivityEntityTypeConfiguration : IEntityTypeConfiguration<DirectLineActivity>
{
    public void Configure(EntityTypeBuilder<DirectLineActivity> builder)
    {
        builder.ToTable("directline_activities");
        builder.HasKey(e => e.Seq);
        builder.Property(e => e.Seq).UseIdentityAlwaysColumn();
        builder.Property(e => e.Activity).HasColumnType("jsonb");
    }
}
