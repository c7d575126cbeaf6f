using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class BankItemEntityTypeConfiguration : IEntityTypeConfiguration<BankItem>
{
    public void Configure(EntityTypeBuilder<BankItem> builder)
    {
        builder.ToTable("bank_items");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.Property(e => e.Status).HasConversion<string>();
        builder.HasIndex(e => new { e.Provider, e.ExternalId }).IsUnique();
    }
}
