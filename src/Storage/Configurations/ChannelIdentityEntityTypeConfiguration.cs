using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ChannelIdentityEntityTypeConfiguration : IEntityTypeConfiguration<ChannelIdentity>
{
    public void Configure(EntityTypeBuilder<ChannelIdentity> builder)
    {
        builder.ToTable("channel_identities");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasIndex(e => new { e.Channel, e.PlatformUserId }).IsUnique();
    }
}
