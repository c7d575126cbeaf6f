using Bot.Agent.Llm;
using Bot.Agent.Memory;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;
using Microsoft.Extensions.AI;

namespace Bot.Tests.Unit.Agent;

public class ContextBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    private static (string, EventContent, DateTimeOffset) User(int i, string text) => (EventRoles.User, new EventContent { Text = text }, T0.AddMinutes(i));
    private static (string, EventContent, DateTimeOffset) Bot(int i, string text) => (EventRoles.Assistant, new EventContent { Text = text }, T0.AddMinutes(i));

    [Fact]
    public void The_window_fits_the_budget_and_opens_with_a_user_message()
    {
        var events = new List<(string, EventContent, DateTimeOffset)>();
        for (var i = 0; i < 5_000; i++)
        {
            events.Add(i % 2 == 0 ? User(i, $"question {i} " + new string('q', 40)) : Bot(i, $"answer {i} " + new string('a', 200)));
        }
        var newestFirst = Enumerable.Reverse(events).ToList();

        var window = ContextBuilder.Fit(newestFirst, 16_000);

        Assert.InRange(window.Tokens, 1, 16_000);
        Assert.True(window.Truncated);
        Assert.Equal(ChatRole.User, window.Messages[0].Role);
        Assert.Equal(events[^1].Item2.Text, window.Messages[^1].Text);
        Assert.True(window.Messages.Count < 5_000);
        Assert.Equal(16_000, Math.Max(16_000, window.Messages.Sum(m => TokenEstimator.Estimate(m.Text) + TokenEstimator.PerMessageOverhead)));
    }

    [Fact]
    public void A_tool_call_left_without_its_result_gets_an_honest_one()
    {
        var events = new List<(string, EventContent)>
        {
            (EventRoles.User, new EventContent { Text = "balances?" }),
            (EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord("c1", "get_balances", "{}"), new ToolCallRecord("c2", "get_holdings", "{}")] }),
            (EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord("c1", "get_balances", """{"total":10}""", false) }),
        };

        var messages = ContextBuilder.ToMessages(events);

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Tool], messages.Select(m => m.Role));
        Assert.Equal("c1", messages[2].Contents.OfType<FunctionResultContent>().Single().CallId);
        var repaired = messages[3].Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("c2", repaired.CallId);
        Assert.Contains("interrupted by a restart", repaired.Result!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Results_of_one_step_share_a_tool_message_and_subagent_steps_stay_out()
    {
        var newestFirst = new List<(string, EventContent, DateTimeOffset)>
        {
            (EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord("c2", "b", "2", false) }, T0.AddMinutes(5)),
            (EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord("s1", "x", "9", false), Subagent = "analyse" }, T0.AddMinutes(4)),
            (EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord("c1", "a", "1", false) }, T0.AddMinutes(3)),
            (EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord("c1", "a", "{}"), new ToolCallRecord("c2", "b", "{}")] }, T0.AddMinutes(2)),
            (EventRoles.User, new EventContent { Text = "go" }, T0.AddMinutes(1)),
        };

        var window = ContextBuilder.Fit(newestFirst, 10_000);

        Assert.Equal(3, window.Messages.Count);
        Assert.Equal(["c1", "c2"], window.Messages[2].Contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.False(window.Truncated);
        Assert.Equal(T0.AddMinutes(1), window.StartsAt);
    }

    [Fact]
    public void A_button_press_reads_as_what_was_pressed()
    {
        var messages = ContextBuilder.ToMessages([(EventRoles.User, new EventContent { Action = new ActionInvoke("approve", new Dictionary<string, string> { ["plan"] = "p1" }) })]);
        Assert.Equal("[pressed a button: approve plan=p1]", messages[0].Text);
    }

    [Fact]
    public void Facts_are_read_leniently_from_the_models_answer()
    {
        var facts = PostTurnWork.ParseFacts("""Here you go: ```json [{"kind":"preference","content":"Prefers index funds"}, {"content":""}, {"kind":"fact"}, 3] ```""");
        Assert.Equal([("preference", "Prefers index funds")], facts);
        Assert.Empty(PostTurnWork.ParseFacts("nothing new"));
        Assert.Empty(PostTurnWork.ParseFacts("[not json"));
    }

    [Fact]
    public void The_system_prompt_states_the_date_the_trade_rule_and_memory_only_in_private()
    {
        var memories = new List<MemoryItem> { new(Guid.NewGuid(), "preference", "Prefers index funds", null, T0) };
        var tools = new List<AIFunction> { AIFunctionFactory.Create(() => 1, "get_balances", "Reads balances.") };

        var personal = SystemPrompt.Build(T0, "web", isGroup: false, memories, "They asked about taxes.", tools);
        Assert.Contains("1 November 2026", personal, StringComparison.Ordinal);
        Assert.Contains("never execute a trade yourself", personal, StringComparison.Ordinal);
        Assert.Contains("Prefers index funds", personal, StringComparison.Ordinal);
        Assert.Contains("They asked about taxes.", personal, StringComparison.Ordinal);
        Assert.Contains("get_balances: Reads balances.", personal, StringComparison.Ordinal);

        var group = SystemPrompt.Build(T0, "slack", isGroup: true, memories, null, tools);
        Assert.DoesNotContain("Prefers index funds", group, StringComparison.Ordinal);
        Assert.Contains("group conversation", group, StringComparison.Ordinal);
    }
}
