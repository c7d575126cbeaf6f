using System.Net;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Teams;

/// <summary>
/// A proactive message to a personal chat whose stored reference has no conversation id: the sender opens the 1:1 chat
/// (<c>POST /v3/conversations</c> with the bot, the user and the tenant), sends there, and keeps the new id.
/// </summary>
public class TeamsProactiveTests(TeamsHostFixture fixture) : IClassFixture<TeamsHostFixture>
{
    private FakeBotFramework BotFramework => fixture.BotFramework;

    [Fact]
    public async Task A_reference_without_a_conversation_opens_the_one_to_one_chat_once_and_keeps_its_id()
    {
        var db = fixture.Host.Database;
        var address = "a:proactive-" + Guid.NewGuid().ToString("N")[..8];
        var user = "29:proactive-" + Guid.NewGuid().ToString("N")[..8];
        using (var response = await fixture.PostAsync(fixture.Message("/help", conversationId: address, userId: user), BotFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM outbox o JOIN conversations c ON c.id = o.conversation_id WHERE c.address = $1 AND o.status = 'Sent'", address),
            n => n == 1, "the reply to /help", TimeSpan.FromSeconds(60));
        var conversationId = await db.ScalarAsync<Guid>("SELECT id FROM conversations WHERE channel = 'teams' AND address = $1", address);
        var threadId = await db.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE id = $1", conversationId);
        Assert.Equal(user, await db.ScalarAsync<string>("SELECT reference->>'userId' FROM conversations WHERE id = $1", conversationId));

        // The stored reference knows the user, the bot, the tenant and the service URL, but no conversation.
        await db.ScalarAsync<int>("UPDATE conversations SET reference = reference - 'conversationId' WHERE id = $1", conversationId);
        var outbox = fixture.Host.Services.GetRequiredService<OutboxWriter>();
        var first = new OutgoingMessage { Text = "Good morning: your briefing." };
        await outbox.EnqueueAsync(threadId, conversationId, "teams", [first], CancellationToken.None);
        await Eventually.GetAsync(() => db.ScalarAsync<string>("SELECT status FROM outbox WHERE id = $1", first.Id), s => s == "Sent", "the proactive message", TimeSpan.FromSeconds(60));

        var opened = "a:opened-" + user.Replace(':', '-');
        var create = Assert.Single(BotFramework.Received, r => r.Method == "POST" && r.Path == "/_connector/v3/conversations" && r.Body["members"]?[0]?["id"]?.GetValue<string>() == user);
        Assert.Equal("28:" + FakeBotFramework.AppId, create.Body["bot"]!["id"]!.GetValue<string>());
        Assert.False(create.Body["isGroup"]!.GetValue<bool>());
        Assert.Equal("tenant-1", create.Body["tenantId"]!.GetValue<string>());
        Assert.Equal("Bearer connector-token", create.Authorization);
        Assert.Single(BotFramework.Received, r => r.Path == $"/_connector/v3/conversations/{opened}/activities" && r.Body["text"]?.GetValue<string>() == first.Text);
        Assert.Equal(opened, await db.ScalarAsync<string>("SELECT reference->>'conversationId' FROM conversations WHERE id = $1", conversationId));

        // Created once: the next message goes straight to the chat that was opened.
        var second = new OutgoingMessage { Text = "And your weekly review." };
        await outbox.EnqueueAsync(threadId, conversationId, "teams", [second], CancellationToken.None);
        await Eventually.GetAsync(() => db.ScalarAsync<string>("SELECT status FROM outbox WHERE id = $1", second.Id), s => s == "Sent", "the second proactive message", TimeSpan.FromSeconds(60));
        Assert.Single(BotFramework.Received, r => r.Path == $"/_connector/v3/conversations/{opened}/activities" && r.Body["text"]?.GetValue<string>() == second.Text);
        Assert.Single(BotFramework.Received, r => r.Path == "/_connector/v3/conversations" && r.Body["members"]?[0]?["id"]?.GetValue<string>() == user);
    }
}
