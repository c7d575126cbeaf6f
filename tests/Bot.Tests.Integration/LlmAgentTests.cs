using System.Text.Json;
using Bot.Agent.Memory;
using Bot.Pipeline.Model;
using Bot.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>A host in LLM mode whose model is scripted; workers off, so each test runs its turns by hand.</summary>
public class LlmFactory : IngestOnlyFactory
{
    public ScriptedChatClient Chat { get; private set; } = new();

    /// <summary>A fresh script for the next test (tests in a class run one at a time).</summary>
    public ScriptedChatClient NewScript() => Chat = new ScriptedChatClient();

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Llm:Provider"] = "anthropic",
        ["Llm:ApiKey"] = "test-key-not-real",
        ["Llm:Model"] = "scripted",
        ["Llm:ContextTokens"] = "2000",
    };

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddSingleton<IChatClient>(_ => new Forwarder(this));

    /// <summary>Resolves the current script at call time, so each test can start a new one.</summary>
    private sealed class Forwarder(LlmFactory owner) : DelegatingChatClient(new ScriptedChatClient())
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            owner.Chat.GetResponseAsync(messages, options, cancellationToken);

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            owner.Chat.GetStreamingResponseAsync(messages, options, cancellationToken);
    }
}

public class LlmAgentTests(LlmFactory app) : IClassFixture<LlmFactory>
{
    private readonly PipelineDriver driver = new(app);

    private async Task RememberAsync(Guid userId, string content)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<MemoryStore>().AddAsync(userId, "fact", content, null, default);
    }

    /// <summary>The post-turn calls (title, facts) answered with nothing to keep.</summary>
    private static ScriptedChatClient PostTurn(ScriptedChatClient chat, string title = "A title") =>
        chat.Then(ScriptedChatClient.Text(title)).Then(ScriptedChatClient.Text("[]"));

    [Fact]
    public async Task One_users_memory_never_reaches_another_users_prompt_nor_a_group()
    {
        var alice = await driver.ReceiveAsync("hello", user: "alice-" + Guid.NewGuid().ToString("N"));
        var bob = await driver.ReceiveAsync("hello", user: "bob-" + Guid.NewGuid().ToString("N"));
        await RememberAsync(alice.UserId, "Alice banks with Northwind");
        await RememberAsync(bob.UserId, "Bob saves for a boat");

        // Each turn: the answer, then the post-turn title and fact calls.
        var chat = PostTurn(app.NewScript().Then(ScriptedChatClient.Text("Hi Alice")), "Alice's thread");
        await driver.RunAsync(alice.ThreadId);
        PostTurn(chat.Then(ScriptedChatClient.Text("Hi Bob")), "Bob's thread");
        await driver.RunAsync(bob.ThreadId);
        Assert.Equal("Hi Bob", await driver.LastReplyAsync(bob.ThreadId));

        var alicePrompt = chat.Calls[0].Messages[0].Text;
        var bobPrompt = chat.Calls[3].Messages[0].Text;
        Assert.Contains("Alice banks with Northwind", alicePrompt, StringComparison.Ordinal);
        Assert.DoesNotContain("Bob saves", alicePrompt, StringComparison.Ordinal);
        Assert.Contains("Bob saves for a boat", bobPrompt, StringComparison.Ordinal);
        Assert.DoesNotContain("Northwind", bobPrompt, StringComparison.Ordinal);
        // And no call at all carried the other user's memory (title and fact prompts included).
        Assert.DoesNotContain(chat.Calls.Skip(3), c => c.Messages.Any(m => m.Text.Contains("Northwind", StringComparison.Ordinal)));

        var inGroup = await driver.ReceiveAsync("hello all", user: "alice-group", isGroup: true);
        await RememberAsync(inGroup.UserId, "Alice-in-group has debts");
        app.NewScript().Then(ScriptedChatClient.Text("Hello everyone")).Then(ScriptedChatClient.Text("Group hello"));
        await driver.RunAsync(inGroup.ThreadId);
        var groupPrompt = app.Chat.Calls[0].Messages[0].Text;
        Assert.DoesNotContain("debts", groupPrompt, StringComparison.Ordinal);
        Assert.Contains("group conversation", groupPrompt, StringComparison.Ordinal);
        Assert.Equal(2, app.Chat.Calls.Count); // answer and title: no fact extraction from a group
    }

    [Fact]
    public async Task Every_step_is_persisted_in_order_and_the_tool_acts_for_the_turns_user()
    {
        var inbound = await driver.ReceiveAsync("I prefer low-risk index funds. Remember that.");
        PostTurn(app.NewScript()
            .Then(ScriptedChatClient.ToolCalls(("call-1", "remember", new Dictionary<string, object?> { ["content"] = "Prefers low-risk index funds", ["kind"] = "preference" })))
            .Then(ScriptedChatClient.Text("<thinking>store it</thinking>Noted: low-risk index funds.")), "Risk preferences");

        await driver.RunAsync(inbound.ThreadId);

        var events = await EventsAsync(inbound.ThreadId);
        Assert.Equal(["user", "assistant", "tool", "assistant"], events.Select(e => e.Role));
        Assert.Equal("remember", events[1].Content.GetProperty("toolCalls")[0].GetProperty("name").GetString());
        Assert.Equal("call-1", events[2].Content.GetProperty("toolResult").GetProperty("callId").GetString());
        Assert.False(events[2].Content.GetProperty("toolResult").GetProperty("isError").GetBoolean());
        Assert.Equal("Noted: low-risk index funds.", events[3].Content.GetProperty("text").GetString());
        Assert.Equal("Noted: low-risk index funds.", await driver.LastReplyAsync(inbound.ThreadId));
        Assert.Equal("Prefers low-risk index funds", await app.Database.ScalarAsync<string>(
            "SELECT content FROM user_memories WHERE user_id = $1 AND source_thread_id = $2", inbound.UserId, inbound.ThreadId));
        Assert.Equal("Risk preferences", await app.Database.ScalarAsync<string>("SELECT title FROM threads WHERE id = $1", inbound.ThreadId));
        // The model saw the tool's result before answering.
        Assert.Contains(app.Chat.Calls[1].Messages, m => m.Role == ChatRole.Tool);
    }

    [Fact]
    public async Task The_model_can_only_propose_a_plan_and_the_user_gets_its_card()
    {
        var inbound = await driver.ReceiveAsync("Buy me 2 MSFT under 999");
        PostTurn(app.NewScript()
            .Then(ScriptedChatClient.ToolCalls(("call-p", "propose_trade_plan", new Dictionary<string, object?>
            {
                ["orders"] = new[] { new Dictionary<string, object?> { ["symbol"] = "msft", ["side"] = "buy", ["quantity"] = 2, ["limitPrice"] = 999 } },
                ["rationale"] = "You asked for two Microsoft shares.",
            })))
            .Then(ScriptedChatClient.Text("I proposed the plan; approve it on the card if it looks right.")));

        await driver.RunAsync(inbound.ThreadId);

        Assert.Equal("Proposed", await app.Database.ScalarAsync<string>("SELECT status FROM trade_plans WHERE thread_id = $1", inbound.ThreadId));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1 AND payload->'card' IS NOT NULL", inbound.ThreadId));
        Assert.Equal("I proposed the plan; approve it on the card if it looks right.", await driver.LastReplyAsync(inbound.ThreadId));
        var result = app.Chat.Calls[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("Nothing is executed unless they press Approve", result.Result!.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM paper_orders WHERE user_id = $1", inbound.UserId));
    }

    [Fact]
    public async Task A_delegated_sub_agent_works_in_its_own_context_with_its_steps_under_the_same_turn()
    {
        var inbound = await driver.ReceiveAsync("Analyse what I remember about my goals");
        PostTurn(app.NewScript()
            // The main loop hands the task over, limiting the sub-agent to one tool.
            .Then(ScriptedChatClient.ToolCalls(("call-d", "delegate", new Dictionary<string, object?>
            {
                ["task"] = "List the user's goals from memory and summarise them in one line.",
                ["tools"] = new[] { "list_memory" },
            })))
            // The sub-agent's own loop: a tool call, then its answer.
            .Then(ScriptedChatClient.ToolCalls(("call-s", "list_memory", null)))
            .Then(ScriptedChatClient.Text("No goals are remembered yet."))
            // Back in the main loop.
            .Then(ScriptedChatClient.Text("I looked: no goals are remembered yet.")));

        await driver.RunAsync(inbound.ThreadId);

        var sub = app.Chat.Calls[1];
        Assert.Equal(2, sub.Messages.Count); // its own short context: a system prompt and the task
        Assert.Equal("List the user's goals from memory and summarise them in one line.", sub.Messages[1].Text);
        Assert.Equal(["list_memory"], sub.Options!.Tools!.Select(t => t.Name));
        var delegated = app.Chat.Calls[3].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == "call-d");
        Assert.Contains("No goals are remembered yet.", delegated.Result!.ToString(), StringComparison.Ordinal);

        var steps = await EventsAsync(inbound.ThreadId);
        var subSteps = steps.Where(e => e.Content.TryGetProperty("subagent", out _)).ToList();
        Assert.Equal(3, subSteps.Count); // its tool call, the tool's result, its answer
        Assert.Equal(subSteps.Count, await app.Database.CountAsync("SELECT count(*) FROM thread_events WHERE turn_id = $1 AND content ? 'subagent'", inbound.InboxId));
        Assert.Equal("I looked: no goals are remembered yet.", await driver.LastReplyAsync(inbound.ThreadId));
    }

    [Fact]
    public async Task A_sub_agent_cannot_delegate_again()
    {
        var inbound = await driver.ReceiveAsync("Go deep");
        PostTurn(app.NewScript()
            .Then(ScriptedChatClient.ToolCalls(("call-d", "delegate", new Dictionary<string, object?> { ["task"] = "x", ["tools"] = new[] { "delegate" } })))
            .Then(ScriptedChatClient.Text("Could not delegate twice.")));
        await driver.RunAsync(inbound.ThreadId);
        var result = app.Chat.Calls[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("forbidden tools for a sub-agent: delegate", result.Result!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Facts_the_user_states_are_kept_after_the_reply()
    {
        var inbound = await driver.ReceiveAsync("My base currency is EUR.");
        app.NewScript()
            .Then(ScriptedChatClient.Text("Got it."))
            .Then(ScriptedChatClient.Text("Base currency"))
            .Then(ScriptedChatClient.Text("""[{"kind":"preference","content":"Base currency is EUR"}]"""));
        await driver.RunAsync(inbound.ThreadId);
        Assert.Equal("Base currency is EUR", await app.Database.ScalarAsync<string>("SELECT content FROM user_memories WHERE user_id = $1", inbound.UserId));
    }

    [Fact]
    public async Task A_turn_resumed_after_a_crash_sees_its_earlier_steps_and_an_honest_result_for_the_lost_call()
    {
        var inbound = await driver.ReceiveAsync("What do I have?");
        // What a worker that died mid-turn left: its tool call step, no result.
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id)
            VALUES (gen_random_uuid(), $1, 'assistant', '{"toolCalls":[{"id":"lost-1","name":"list_memory","arguments":"{}"}]}', now(), $2)
            """, inbound.ThreadId, inbound.InboxId);
        PostTurn(app.NewScript().Then(ScriptedChatClient.Text("Let me try again: nothing is remembered yet.")));

        await driver.RunAsync(inbound.ThreadId);

        var prompt = app.Chat.Calls[0].Messages;
        var lost = prompt.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == "lost-1");
        Assert.Contains("interrupted by a restart", lost.Result!.ToString(), StringComparison.Ordinal);
        Assert.Equal("Let me try again: nothing is remembered yet.", await driver.LastReplyAsync(inbound.ThreadId));
    }

    [Fact]
    public async Task Commands_and_buttons_are_answered_without_the_model()
    {
        var inbound = await driver.ReceiveAsync("/help");
        app.NewScript();
        await driver.RunAsync(inbound.ThreadId);
        Assert.Contains("/memory", await driver.LastReplyAsync(inbound.ThreadId), StringComparison.Ordinal);
        Assert.Empty(app.Chat.Calls);
    }

    [Fact]
    public async Task A_long_thread_builds_a_bounded_prompt_and_folds_the_rest_into_its_summary()
    {
        var first = await driver.ReceiveAsync("start");
        // 5,000 events of history before the new message.
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO thread_events (id, thread_id, role, content, created_at)
            SELECT gen_random_uuid(), $1, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END,
                   jsonb_build_object('text', 'message number ' || n || ' about budgets and savings plans'),
                   now() - interval '10 days' + n * interval '1 second'
            FROM generate_series(1, 5000) AS n
            """, first.ThreadId);
        await app.Database.ScalarAsync<int>("UPDATE inbox SET status = 'Done' WHERE id = $1", first.InboxId);
        var next = await driver.ReceiveAsync("and now?", conversation: await app.Database.ScalarAsync<string>(
            "SELECT c.address FROM conversations c JOIN threads t ON t.conversation_id = c.id WHERE t.id = $1", first.ThreadId));
        Assert.Equal(first.ThreadId, next.ThreadId);

        PostTurn(app.NewScript().Then(ScriptedChatClient.Text("Here is where things stand.")))
            .Then(ScriptedChatClient.Text("The user reviewed budgets and savings plans over many messages."));
        await driver.RunAsync(next.ThreadId);

        var prompt = app.Chat.Calls[0].Messages;
        var estimated = prompt.Skip(1).Sum(m => TokenEstimator.Estimate(m.Text) + TokenEstimator.PerMessageOverhead);
        Assert.InRange(estimated, 1, 2000);
        Assert.Equal("and now?", prompt[^1].Text);
        Assert.Equal("The user reviewed budgets and savings plans over many messages.",
            await app.Database.ScalarAsync<string>("SELECT summary FROM threads WHERE id = $1", next.ThreadId));
        Assert.NotNull(await app.Database.ScalarAsync<DateTime?>("SELECT summary_through FROM threads WHERE id = $1", next.ThreadId));

        // The next turn's prompt carries the summary and still fits.
        var third = await driver.ReceiveAsync("thanks", conversation: await app.Database.ScalarAsync<string>(
            "SELECT c.address FROM conversations c JOIN threads t ON t.conversation_id = c.id WHERE t.id = $1", first.ThreadId));
        app.NewScript().Then(ScriptedChatClient.Text("You're welcome.")).Then(ScriptedChatClient.Text("[]")).Then(ScriptedChatClient.Text("Still a summary."));
        await driver.RunAsync(third.ThreadId);
        Assert.Contains("reviewed budgets and savings plans", app.Chat.Calls[0].Messages[0].Text, StringComparison.Ordinal);
    }

    private async Task<List<(string Role, JsonElement Content)>> EventsAsync(Guid threadId)
    {
        var list = new List<(string, JsonElement)>();
        await using var connection = new Npgsql.NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT role, content::text FROM thread_events WHERE thread_id = $1 ORDER BY created_at", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = threadId });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetString(0), JsonDocument.Parse(reader.GetString(1)).RootElement.Clone()));
        }
        return list;
    }
}
