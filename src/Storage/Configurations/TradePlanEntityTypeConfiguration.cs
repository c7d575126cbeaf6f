using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class TradePlanEntityTypeConfiguration : IEntityTypeConfiguration<TradePlan>
{
    public void Configure(EntityTypeBuilder<TradePlan> builder)
    {
        builder.ToTable("trade_plans");
        builder.Property(e => e.Status).HasConversion<string>();
        builder.Property(e => e.RiskNotes).HasColumnType("jsonb");
        builder.HasIndex(e => e.ShortId).IsUnique();
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.OwnerUserId);
        builder.HasOne<ChatThread>().WithMany().HasForeignKey(e => e.ThreadId);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(e => e.ConversationId);
        builder.HasMany(e => e.Orders).WithOne().HasForeignKey(o => o.PlanId);
    }
}
