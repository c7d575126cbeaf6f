using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class OutboxItemEntityTypeConfiguration : IEntityTypeConfiguration<OutboxItem>
{
    public void Configure(EntityTypeBuilder<OutboxItem> builder)
    {
        builder.ToTable("outbox");
        builder.HasOne<Conversation>().WithMany().HasForeignKey(e => e.ConversationId);
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.ThreadId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(e => e.Seq).UseIdentityAlwaysColumn();
        builder.Property(e => e.Payload).HasColumnType("jsonb");
        builder.Property(e => e.Status).HasConversion<string>();
    }
}
