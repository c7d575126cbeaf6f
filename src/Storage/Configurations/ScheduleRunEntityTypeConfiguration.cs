using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class ScheduleRunEntityTypeConfiguration : IEntityTypeConfiguration<ScheduleRun>
{
    public void Configure(EntityTypeBuilder<ScheduleRun> builder)
    {
        builder.ToTable("schedule_runs");
        builder.HasOne<Schedule>().WithMany().HasForeignKey(e => e.ScheduleId);
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.ThreadId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<InboxItem>().WithMany().HasForeignKey(e => e.InboxId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(e => e.Status).HasConversion<string>();
        builder.HasIndex(e => new { e.ScheduleId, e.FireTime }).IsUnique();
    }
}
