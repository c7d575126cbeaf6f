using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ConversationEntityTypeConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.ToTable("conversations");
        builder.Property(e => e.Reference).HasColumnType("jsonb");
        builder.HasIndex(e => new { e.Channel, e.Address }).IsUnique();
    }
}
