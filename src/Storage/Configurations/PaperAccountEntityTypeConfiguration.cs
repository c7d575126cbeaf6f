using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class PaperAccountEntityTypeConfiguration : IEntityTypeConfiguration<PaperAccount>
{
    public void Configure(EntityTypeBuilder<PaperAccount> builder)
    {
        builder.ToTable("paper_accounts");
        builder.HasKey(e => e.UserId);
        builder.HasOne<User>().WithOne().HasForeignKey<PaperAccount>(e => e.UserId);
    }
}
