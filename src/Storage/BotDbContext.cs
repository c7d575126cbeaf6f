using System.Text;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Bot.Storage;

/// <summary>The one database context. Names are snake_case to match the hand-written SQL migrations.</summary>
public sealed class BotDbContext(DbContextOptions<BotDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ChannelIdentity> ChannelIdentities => Set<ChannelIdentity>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ChatThread> Threads => Set<ChatThread>();
    public DbSet<ThreadEvent> ThreadEvents => Set<ThreadEvent>();
    public DbSet<UserMemory> UserMemories => Set<UserMemory>();
    public DbSet<InboxItem> Inbox => Set<InboxItem>();
    public DbSet<OutboxItem> Outbox => Set<OutboxItem>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<DirectLineActivity> DirectLineActivities => Set<DirectLineActivity>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<TradePlan> TradePlans => Set<TradePlan>();
    public DbSet<TradePlanOrder> TradePlanOrders => Set<TradePlanOrder>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BotDbContext).Assembly);
        ApplySnakeCaseColumns(modelBuilder);
    }

    private static void ApplySnakeCaseColumns(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
