using System.Xml.Linq;
using Bot.Storage;
using Bot.Storage.Entities;
using Bot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bot.Tests.Integration;

/// <summary>The hand-written schema against the EF model, on real PostgreSQL.</summary>
public class StorageTests : IAsyncLifetime
{
    private TestDatabase db = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddBotStorage(db.ConnectionString).BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await db.DisposeAsync();
    }

    private DatabaseMigrator NewMigrator() => new(services.GetRequiredService<NpgsqlDataSource>(), NullLogger<DatabaseMigrator>.Instance);

    [Fact]
    public async Task Replicas_migrating_at_once_apply_each_script_once()
    {
        Assert.NotEmpty(await NewMigrator().PendingAsync(default));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => NewMigrator().MigrateAsync(default)));

        Assert.Empty(await NewMigrator().PendingAsync(default));
        Assert.Equal(DatabaseMigrator.Scripts.Count, await db.CountAsync("SELECT count(*) FROM schema_migrations"));
        await NewMigrator().MigrateAsync(default); // and again: nothing to do
        Assert.Equal(DatabaseMigrator.Scripts.Count, await db.CountAsync("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Every_entity_round_trips_through_the_sql_schema()
    {
        await NewMigrator().MigrateAsync(default);
        using var scope = services.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<BotDbContext>();
        var now = DateTimeOffset.UtcNow;
        var user = new User { DisplayName = "Ada", CreatedAt = now };
        var conversation = new Conversation { Channel = "web", Address = "c1", Reference = """{"serviceUrl":"x"}""", CreatedAt = now };
        var thread = new ChatThread { UserId = user.Id, ConversationId = conversation.Id, ThreadKey = "k1", Title = "T", CreatedAt = now, UpdatedAt = now };
        var threadEvent = new ThreadEvent { ThreadId = thread.Id, Role = EventRoles.User, Content = """{"text":"hi"}""", CreatedAt = now };
        context.AddRange(
            user,
            new ChannelIdentity { UserId = user.Id, Channel = "web", PlatformUserId = "owner", CreatedAt = now },
            conversation,
            thread,
            threadEvent,
            new UserMemory { UserId = user.Id, Kind = "fact", Content = "Prefers ETFs", SourceThreadId = thread.Id, CreatedAt = now },
            new InboxItem { Channel = "web", EventId = "e1", ThreadId = thread.Id, ConversationId = conversation.Id, UserId = user.Id, ThreadEventId = threadEvent.Id, Payload = "{}", ReceivedAt = now },
            new OutboxItem { ConversationId = conversation.Id, ThreadId = thread.Id, Channel = "web", Payload = "{}", CreatedAt = now, NextAttemptAt = now, ExpiresAt = now.AddMinutes(1) },
            new AuditEntry { At = now, ActorUserId = user.Id, Action = "test", SubjectType = "thread", SubjectId = thread.Id.ToString() },
            new DirectLineActivity { ConversationAddress = "c1", ActivityId = "a1", Activity = """{"type":"message"}""", CreatedAt = now });
        await context.SaveChangesAsync();

        using var read = services.CreateScope();
        var fresh = read.ServiceProvider.GetRequiredService<BotDbContext>();
        Assert.Equal("Ada", (await fresh.Users.SingleAsync()).DisplayName);
        Assert.Equal(ThreadStatus.Active, (await fresh.Threads.SingleAsync()).Status);
        Assert.Equal(InboxStatus.Pending, (await fresh.Inbox.SingleAsync()).Status);
        Assert.True((await fresh.Outbox.SingleAsync()).Seq > 0);
        Assert.True((await fresh.DirectLineActivities.SingleAsync()).Seq > 0);
        Assert.Equal("Prefers ETFs", (await fresh.UserMemories.SingleAsync()).Content);
        Assert.Equal("x", System.Text.Json.JsonDocument.Parse((await fresh.Conversations.SingleAsync()).Reference).RootElement.GetProperty("serviceUrl").GetString());
        Assert.Equal(1, await fresh.AuditLog.CountAsync());
        Assert.Equal(1, await fresh.ChannelIdentities.CountAsync());
        Assert.Equal(1, await fresh.ThreadEvents.CountAsync());
    }

    [Fact]
    public async Task The_data_protection_key_ring_is_shared_through_the_database()
    {
        await NewMigrator().MigrateAsync(default);
        var repository = new DbXmlRepository(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), TimeProvider.System);
        repository.StoreElement(new XElement("key", new XAttribute("id", "k1")), "k1");
        var other = new DbXmlRepository(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), TimeProvider.System);
        var element = Assert.Single(other.GetAllElements());
        Assert.Equal("k1", element.Attribute("id")!.Value);
    }
}
