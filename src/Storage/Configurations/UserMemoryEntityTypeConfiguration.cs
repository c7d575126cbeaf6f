using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class UserMemoryEntityTypeConfiguration : IEntityTypeConfiguration<UserMemory>
{
    public void Configure(EntityTypeBuilder<UserMemory> builder)
    {
        builder.ToTable("user_memories");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.SourceThreadId).OnDelete(DeleteBehavior.SetNull);
    }
}
