using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class InboxItemEntityTypeConfiguration : IEntityTypeConfiguration<InboxItem>
{
    public void Configure(EntityTypeBuilder<InboxItem> builder)
    {
        builder.ToTable("inbox");
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.ThreadId);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(e => e.ConversationId);
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.Property(e => e.Payload).HasColumnType("jsonb");
        builder.Property(e => e.Status).HasConversion<string>();
        builder.HasIndex(e => new { e.Channel, e.EventId }).IsUnique();
    }
}
