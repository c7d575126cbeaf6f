using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ChatThreadEntityTypeConfiguration : IEntityTypeConfiguration<ChatThread>
{
    public void Configure(EntityTypeBuilder<ChatThread> builder)
    {
        builder.ToTable("threads");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(e => e.ConversationId);
        builder.Property(e => e.Status).HasConversion<string>();
    }
}
