using System.Text;
using System.Text.Json;
using Bot.Agent.Memory;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Storage.Entities;
using Microsoft.Extensions.AI;

namespace Bot.Tests.Integration.History;

/// <summary>
/// The history part of a prompt, built by <see cref="ContextBuilder"/> from PostgreSQL with its cache cold, warm, and
/// after the thread moved on, against the way it used to be built: every event newer than the summary read whole,
/// then fitted by the code as it was before the cache (<see cref="OldFit"/>, kept here verbatim).
/// </summary>
public class PromptHistoryTests(ThreadHistoryDatabase db) : IClassFixture<ThreadHistoryDatabase>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_window_is_what_the_old_code_built_cold_warm_and_after_the_thread_moved_on()
    {
        var threadId = await db.NewThreadAsync();
        var events = SampleConversation.Create(400, T0, seed: 20);
        await db.AppendAsync(threadId, events);
        var thread = new ChatThread { Id = threadId, SummaryThrough = events[300].At };
        var cache = new PromptEventCache();
        int[] budgets = [300, 2_000, 16_000, 1_000_000];

        foreach (var budget in budgets)
        {
            var expected = await ExpectedAsync(thread, budget);
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, new PromptEventCache()).BuildAsync(thread, budget, default)));
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, cache).BuildAsync(thread, budget, default)));
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, cache).BuildAsync(thread, budget, default)));
        }

        // The thread moves on: new exchanges, and one event committed late with a time older than the newest read.
        var later = SampleConversation.Create(40, events[^1].At, seed: 21);
        var late = (Guid.CreateVersion7(), EventRoles.User, new EventContent { Text = "written late, between two older events" }, events[^4].At.AddMilliseconds(500));
        await db.AppendAsync(threadId, [.. later, late]);
        thread.SummaryThrough = events[340].At;
        foreach (var budget in budgets)
        {
            var expected = await ExpectedAsync(thread, budget);
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, cache).BuildAsync(thread, budget, default)));
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, new PromptEventCache()).BuildAsync(thread, budget, default)));
        }
        Assert.Contains("written late", Render(await new ContextBuilder(db.Queries, cache).BuildAsync(thread, 1_000_000, default)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sub_agent_steps_no_longer_cut_the_reading_short()
    {
        // Each exchange: a short question, a delegate call whose sub-agent takes ten steps over long results, a short answer.
        var threadId = await db.NewThreadAsync();
        var events = new List<(Guid, string, EventContent, DateTimeOffset)>();
        var at = T0;
        void Add(string role, EventContent content) => events.Add((Guid.CreateVersion7(at = at.AddSeconds(1)), role, content, at));
        for (var i = 0; i < 100; i++)
        {
            Add(EventRoles.User, new EventContent { Text = $"Question {i} about last month's spending" });
            Add(EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord($"d{i}", "delegate", """{"task":"analyse"}""")] });
            for (var k = 0; k < 10; k++)
            {
                Add(EventRoles.Assistant, new EventContent { ToolCalls = [new ToolCallRecord($"s{i}-{k}", "get_transactions", "{}")], Subagent = "analyse" });
                Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord($"s{i}-{k}", "get_transactions", new string('x', 2_000), false), Subagent = "analyse" });
            }
            Add(EventRoles.Assistant, new EventContent { Text = "Sub-agent's answer", Subagent = "analyse" });
            Add(EventRoles.Tool, new EventContent { ToolResult = new ToolResultRecord($"d{i}", "delegate", """{"result":"42 EUR"}""", false) });
            Add(EventRoles.Assistant, new EventContent { Text = $"Answer {i}: 42 EUR" });
        }
        await db.AppendAsync(threadId, events);
        var thread = new ChatThread { Id = threadId };

        var window = await new ContextBuilder(db.Queries, new PromptEventCache()).BuildAsync(thread, 2_000, default);

        Assert.Equal(await ExpectedAsync(thread, 2_000), Render(window));
        Assert.True(window.Truncated);
        // The old reading counted the sub-agent's tokens too, stopped after its first page, and left budget unused.
        var old = await OldPagedBuildAsync(db.Queries, thread, 2_000);
        Assert.True(old.Tokens < window.Tokens, $"old {old.Tokens} tokens, now {window.Tokens}");
    }

    [Fact]
    public async Task Events_that_share_a_time_are_all_read_across_pages()
    {
        var threadId = await db.NewThreadAsync();
        var events = SampleConversation.Create(300, T0, seed: 22)
            .Select((e, i) => (e.Id, e.Role, e.Content, At: T0.AddSeconds(i / 7))) // seven events a second
            .ToList();
        await db.AppendAsync(threadId, events);
        var thread = new ChatThread { Id = threadId };
        var cache = new PromptEventCache();

        foreach (var budget in new[] { 700, 3_000, 9_000 })
        {
            var expected = await ExpectedAsync(thread, budget);
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, new PromptEventCache()).BuildAsync(thread, budget, default)));
            Assert.Equal(expected, Render(await new ContextBuilder(db.Queries, cache).BuildAsync(thread, budget, default)));
        }
    }

    private async Task<string> ExpectedAsync(ChatThread thread, int budget)
    {
        var all = await db.AllNewestFirstAsync(thread.Id, thread.SummaryThrough);
        return Render(OldFit(all.Select(e => (e.Role, e.Content, e.At)).ToList(), budget));
    }

    /// <summary>A window as text: every message's role and contents, then its tokens, start and truncation.</summary>
    private static string Render(HistoryWindow window)
    {
        var text = new StringBuilder();
        foreach (var message in window.Messages)
        {
            text.Append(message.Role.Value).Append(':');
            foreach (var content in message.Contents)
            {
                text.Append(" [").Append(content switch
                {
                    TextContent t => "text " + t.Text,
                    FunctionCallContent c => $"call {c.CallId} {c.Name} {JsonSerializer.Serialize(c.Arguments)}",
                    FunctionResultContent r => $"result {r.CallId} {r.Result}",
                    _ => content.GetType().Name,
                }).Append(']');
            }
            text.AppendLine();
        }
        return text.Append($"tokens {window.Tokens}, from {window.StartsAt:O}, truncated {window.Truncated}").ToString();
    }

    /// <summary>ContextBuilder.Fit as it was before the cache: sub-agent steps skipped, newest first until the budget.</summary>
    private static HistoryWindow OldFit(IReadOnlyList<(string Role, EventContent Content, DateTimeOffset At)> newestFirst, int tokenBudget)
    {
        var kept = new List<(string Role, EventContent Content, DateTimeOffset At, int Tokens)>();
        var used = 0;
        var truncated = false;
        foreach (var (role, content, at) in newestFirst)
        {
            if (content.Subagent is not null)
            {
                continue;
            }
            var cost = ContextBuilder.Cost(content);
            if (used + cost > tokenBudget)
            {
                truncated = true;
                break;
            }
            kept.Add((role, content, at, cost));
            used += cost;
        }
        kept.Reverse();
        var start = kept.FindIndex(e => e.Role == EventRoles.User);
        if (start < 0)
        {
            return new HistoryWindow([], 0, null, truncated || kept.Count > 0);
        }
        if (start > 0)
        {
            truncated = true;
            used -= kept.Take(start).Sum(e => e.Tokens);
            kept.RemoveRange(0, start);
        }
        return new HistoryWindow(ContextBuilder.ToMessages(kept.Select(e => (e.Role, e.Content)).ToList()), used, kept[0].At, truncated);
    }

    /// <summary>ContextBuilder.BuildAsync as it was before the cache: pages of 256 whole events until their tokens, sub-agent steps included, passed the budget.</summary>
    private static async Task<HistoryWindow> OldPagedBuildAsync(ThreadQueries threads, ChatThread thread, int tokenBudget)
    {
        var newestFirst = new List<(string Role, EventContent Content, DateTimeOffset At)>();
        var tokens = 0;
        DateTimeOffset? before = null;
        while (tokens <= tokenBudget && newestFirst.Count < 4_000)
        {
            var page = await threads.EventPageAsync(thread.Id, thread.SummaryThrough, before, 256, newestFirst: true, default);
            foreach (var row in page)
            {
                var content = BotJson.Deserialize<EventContent>(row.Content);
                newestFirst.Add((row.Role, content, row.CreatedAt));
                tokens += ContextBuilder.Cost(content);
            }
            if (page.Count < 256)
            {
                break;
            }
            before = page[^1].CreatedAt;
        }
        return OldFit(newestFirst, tokenBudget);
    }
}
