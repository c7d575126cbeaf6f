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

internal sealed class TradePlanOrderEntityTypeConfiguration : IEntityTypeConfiguration<TradePlanOrder>
{
    public void Configure(EntityTypeBuilder<TradePlanOrder> builder)
    {
        builder.ToTable("trade_plan_orders");
        builder.Property(e => e.Status).HasConversion<string>();
        builder.Property(e => e.Quantity).HasPrecision(20, 6);
        builder.Property(e => e.LimitPrice).HasPrecision(20, 6);
        builder.Property(e => e.ProposalPrice).HasPrecision(20, 6);
        builder.Property(e => e.FilledQuantity).HasPrecision(20, 6);
        builder.Property(e => e.AveragePrice).HasPrecision(20, 6);
    }
}
