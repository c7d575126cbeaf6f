using Bot.Agent.Tools;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Identities;

/// <summary>A group chat never receives a person's private memory, nor the titles of their other threads, joined or not.</summary>
public class GroupPrivacyTests(IngestOnlyFactory app) : IClassFixture<IngestOnlyFactory>
{
    [Fact]
    public async Task Memory_is_not_shown_in_a_group_chat()
    {
        var a = new AccountDriver(app, "alpha");
        await a.SendAsync("hi");
        await app.Database.ScalarAsync<int>("INSERT INTO user_memories (id, user_id, kind, content, created_at) VALUES (gen_random_uuid(), $1, 'fact', 'Salary is 90k', now())", await a.UserIdAsync());

        var group = "group-" + Guid.NewGuid().ToString("N");
        var reply = await a.SendAsync("/memory", group, isGroup: true);
        Assert.Equal("`/memory` works only in a private chat with me: what I remember about you is private.", reply);
        Assert.Contains("Salary is 90k", await a.SendAsync("/memory"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_model_gets_no_memory_tool_and_no_account_list_in_a_group_chat()
    {
        using var scope = app.Services.CreateScope();
        var providers = scope.ServiceProvider.GetRequiredService<IEnumerable<IToolProvider>>().ToList();
        string[] memoryTools = ["remember", "forget", "list_memory"];

        var inGroup = providers.SelectMany(p => p.GetTools(Context(isGroup: true))).ToList();
        Assert.DoesNotContain(inGroup, t => memoryTools.Contains(t.Name));
        var accounts = inGroup.Single(t => t.Name == "connected_accounts");
        var answer = await accounts.InvokeAsync(new());
        Assert.Contains("private", System.Text.Json.JsonSerializer.Serialize(answer), StringComparison.Ordinal);

        var inPrivate = providers.SelectMany(p => p.GetTools(Context(isGroup: false))).Select(t => t.Name).ToList();
        Assert.All(memoryTools, name => Assert.Contains(name, inPrivate));
    }

    [Fact]
    public async Task Threads_in_a_group_chat_lists_only_that_chats_threads()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await a.SendAsync("private planning");
        var code = await a.IssueCodeAsync();
        await b.SendAsync("/connect " + code);

        var group = "group-" + Guid.NewGuid().ToString("N");
        var inGroup = await b.SendAsync("/threads", group, isGroup: true);
        Assert.DoesNotContain("· alpha ·", inGroup, StringComparison.Ordinal);
        Assert.Contains("(this thread) · beta ·", inGroup, StringComparison.Ordinal);
        Assert.Contains("· alpha ·", await b.SendAsync("/threads"), StringComparison.Ordinal);
    }

    private static ToolContext Context(bool isGroup)
    {
        var conversation = new Conversation { Id = Guid.NewGuid(), Channel = "alpha", Address = "group-1", IsGroup = isGroup };
        var thread = new ChatThread { Id = Guid.NewGuid(), UserId = Guid.NewGuid(), ConversationId = conversation.Id };
        var message = new IncomingMessage { Address = new ConversationAddress("alpha", "group-1"), EventId = "e", From = new Sender("u") };
        return ToolContext.For(new TurnContext(message, thread, conversation, thread.UserId));
    }
}
