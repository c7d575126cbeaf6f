using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ScheduleEntityTypeConfiguration : IEntityTypeConfiguration<Schedule>
{
    public void Configure(EntityTypeBuilder<Schedule> builder)
    {
        builder.ToTable("schedules");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(e => e.ConversationId);
        builder.Property(e => e.LastStatus).HasConversion<string>();
        builder.HasIndex(e => e.SourceKey).IsUnique();
    }
}
