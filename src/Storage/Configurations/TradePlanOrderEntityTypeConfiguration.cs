using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

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
