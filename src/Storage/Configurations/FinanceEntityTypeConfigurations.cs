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

internal sealed class BankTransactionRecordEntityTypeConfiguration : IEntityTypeConfiguration<BankTransactionRecord>
{
    public void Configure(EntityTypeBuilder<BankTransactionRecord> builder)
    {
        builder.ToTable("bank_transactions");
        builder.HasOne<BankItem>().WithMany().HasForeignKey(e => e.BankItemId);
        builder.HasIndex(e => new { e.BankItemId, e.ExternalId }).IsUnique();
    }
}

internal sealed class BankLinkSessionEntityTypeConfiguration : IEntityTypeConfiguration<BankLinkSession>
{
    public void Configure(EntityTypeBuilder<BankLinkSession> builder)
    {
        builder.ToTable("bank_link_sessions");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasOne<BankItem>().WithMany().HasForeignKey(e => e.BankItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => e.CodeHash).IsUnique();
    }
}

internal sealed class PaperAccountEntityTypeConfiguration : IEntityTypeConfiguration<PaperAccount>
{
    public void Configure(EntityTypeBuilder<PaperAccount> builder)
    {
        builder.ToTable("paper_accounts");
        builder.HasKey(e => e.UserId);
        builder.HasOne<User>().WithOne().HasForeignKey<PaperAccount>(e => e.UserId);
    }
}

internal sealed class PaperOrderEntityTypeConfiguration : IEntityTypeConfiguration<PaperOrder>
{
    public void Configure(EntityTypeBuilder<PaperOrder> builder)
    {
        builder.ToTable("paper_orders");
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
        builder.HasIndex(e => new { e.UserId, e.ClientOrderId }).IsUnique();
    }
}

internal sealed class PaperPositionEntityTypeConfiguration : IEntityTypeConfiguration<PaperPosition>
{
    public void Configure(EntityTypeBuilder<PaperPosition> builder)
    {
        builder.ToTable("paper_positions");
        builder.HasKey(e => new { e.UserId, e.Symbol });
        builder.HasOne<User>().WithMany().HasForeignKey(e => e.UserId);
    }
}
