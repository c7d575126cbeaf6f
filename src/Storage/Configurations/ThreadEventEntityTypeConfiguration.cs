using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ThreadEventEntityTypeConfiguration : IEntityTypeConfiguration<ThreadEvent>
{
    public void Configure(EntityTypeBuilder<ThreadEvent> builder)
    {
        builder.ToTable("thread_events");
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.ThreadId);
        builder.Property(e => e.Content).HasColumnType("jsonb");
        builder.HasIndex(e => new { e.ThreadId, e.CreatedAt });
    }
}
