using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class UserEntityTypeConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder) => builder.ToTable("users");
}

internal sealed class ChannelIdentityEntityTypeConfiguration : IEntityTypeConfiguration<ChannelIdentity>
{
    public void Configure(EntityTypeBuilder<ChannelIdentity> builder)
    {
        builder.ToTable("channel_identities");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasIndex(e => new { e.Channel, e.PlatformUserId }).IsUnique();
    }
}

internal sealed class ConversationEntityTypeConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.ToTable("conversations");
        builder.Property(e => e.Reference).HasColumnType("jsonb");
        builder.HasIndex(e => new { e.Channel, e.Address }).IsUnique();
    }
}

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

internal sealed class UserMemoryEntityTypeConfiguration : IEntityTypeConfiguration<UserMemory>
{
    public void Configure(EntityTypeBuilder<UserMemory> builder)
    {
        builder.ToTable("user_memories");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.SourceThreadId).OnDelete(DeleteBehavior.SetNull);
    }
}

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

internal sealed class AuditEntryEntityTypeConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.Property(e => e.Data).HasColumnType("jsonb");
    }
}

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

internal sealed class DataProtectionKeyEntityTypeConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder) => builder.ToTable("data_protection_keys");
}
