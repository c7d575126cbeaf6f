using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class PaperPositionEntityTypeConfiguration : IEntityTypeConfiguration<PaperPosition>
{
    public void Configure(EntityTypeBuilder<PaperPosition> builder)
    {
        builder.ToTable("paper_positions");
        builder.HasKey(e => new { e.UserId, e.Symbol });
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
    }
}
