using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class BankLinkSessionEntityTypeConfiguration : IEntityTypeConfiguration<BankLinkSession>
{
    public void Configure(EntityTypeBuilder<BankLinkSession> builder)
    {
        builder.ToTable("bank_link_sessions");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<BankItem>().WithMany().HasForeignKey(e => e.BankItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<BankItem>().WithMany().HasForeignKey(e => e.LinkedBankItemId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(e => e.CodeHash).IsUnique();
    }
}
