using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class PaperOrderEntityTypeConfiguration : IEntityTypeConfiguration<PaperOrder>
{
    public void Configure(EntityTypeBuilder<PaperOrder> builder)
    {
        builder.ToTable("paper_orders");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasIndex(e => new { e.UserId, e.ClientOrderId }).IsUnique();
    }
}
