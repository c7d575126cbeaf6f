using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bot.Storage.Configurations;

internal sealed class BankTransactionRecordEntityTypeConfiguration : IEntityTypeConfiguration<BankTransactionRecord>
{
    public void Configure(EntityTypeBuilder<BankTransactionRecord> builder)
    {
        builder.ToTable("bank_transactions");
        builder.HasOne<BankItem>().WithMany().HasForeignKey(e => e.BankItemId);
        builder.HasIndex(e => new { e.BankItemId, e.ExternalId }).IsUnique();
    }
}
