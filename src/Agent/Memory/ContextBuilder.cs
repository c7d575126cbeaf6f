using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Storage.Entities;
using Microsoft.Extensions.AI;

namespace Bot.Agent.Memory;

/// <summary>The thread history that fits the budget, and where it starts.</summary>
public sealed record HistoryWindow(IReadOnlyList<ChatMessage> Messages, int Tokens, DateTimeOffset? StartsAt, bool Truncated);

/// <summary>
/// Builds the history part of a prompt: the newest events of a thread that fit the token budget, newer than the
/// rolling summary, starting at a user message so a tool call is never separated from its result. Reads a bounded
/// number of rows however long the thread is.
/// </summary>
public sealed class ContextBuilder(ThreadQueries threads)
{
    /// <summary>Rows read per round trip, newest first, until the budget is full.</summary>
    private const int PageSize = 256;

    /// <summary>No window needs more rows than this: every event costs at least a few tokens.</summary>
    private const int MaxRows = 4_000;

    public async Task<HistoryWindow> BuildAsync(ChatThread thread, int tokenBudget, CancellationToken cancellationToken)
    {
        var newestFirst = new List<(string Role, EventContent Content, DateTimeOffset At)>();
        var tokens = 0;
        DateTimeOffset? before = null;
        // Page backwards only as far as the budget reaches, so a 5,000-event thread reads a few hundred rows.
        while (tokens <= tokenBudget && newestFirst.Count < MaxRows)
        {
            var page = await threads.EventPageAsync(thread.Id, thread.SummaryThrough, before, PageSize, newestFirst: true, cancellationToken);
            foreach (var row in page)
            {
                var content = BotJson.Deserialize<EventContent>(row.Content);
                newestFirst.Add((row.Role, content, row.CreatedAt));
                tokens += Cost(content);
            }
            if (page.Count < PageSize)
            {
                break;
            }
            before = page[^1].CreatedAt;
        }
        return Fit(newestFirst, tokenBudget);
    }

    /// <summary>The pure part: newest-first events in, the fitting oldest-first messages out.</summary>
    internal static HistoryWindow Fit(IReadOnlyList<(string Role, EventContent Content, DateTimeOffset At)> newestFirst, int tokenBudget)
    {
        var kept = new List<(string Role, EventContent Content, DateTimeOffset At, int Tokens)>();
        var used = 0;
        var truncated = false;
        foreach (var (role, content, at) in newestFirst)
        {
            if (content.Subagent is not null)
            {
                continue; // a sub-agent's steps stay out; its answer is the delegate tool's result
            }
            var cost = Cost(content);
            if (used + cost > tokenBudget)
            {
                truncated = true;
                break;
            }
            kept.Add((role, content, at, cost));
            used += cost;
        }
        kept.Reverse();
        // Start at a user message: a window must not open with a tool result whose call was cut off.
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
        return new HistoryWindow(ToMessages(kept.Select(e => (e.Role, e.Content)).ToList()), used, kept[0].At, truncated);
    }

    private static int Cost(EventContent content) =>
        TokenEstimator.PerMessageOverhead
        + TokenEstimator.Estimate(content.Text)
        + (content.ToolCalls?.Sum(c => TokenEstimator.Estimate(c.Name) + TokenEstimator.Estimate(c.Arguments)) ?? 0)
        + (content.ToolResult is { } r ? TokenEstimator.Estimate(r.Content) : 0)
        + (content.Action is { } a ? TokenEstimator.Estimate(a.Name) + a.Data.Sum(d => TokenEstimator.Estimate(d.Key) + TokenEstimator.Estimate(d.Value)) : 0);

    /// <summary>Maps stored events to chat messages; a tool call left without a result (a crash) gets an honest one.</summary>
    internal static List<ChatMessage> ToMessages(IReadOnlyList<(string Role, EventContent Content)> events)
    {
        var messages = new List<ChatMessage>();
        var open = new List<ToolCallRecord>();
        void CloseOpenCalls()
        {
            if (open.Count == 0)
            {
                return;
            }
            messages.Add(new ChatMessage(ChatRole.Tool, open.Select(c => (AIContent)new FunctionResultContent(c.Id,
                JsonSerializer.Serialize(new { error = "This call was interrupted by a restart before it finished; its outcome is unknown." }))).ToList()));
            open.Clear();
        }

        foreach (var (role, content) in events)
        {
            switch (role)
            {
                case EventRoles.Tool when content.ToolResult is { } result:
                    var index = open.FindIndex(c => c.Id == result.CallId);
                    if (index < 0)
                    {
                        continue; // a result whose call is outside the window
                    }
                    open.RemoveAt(index);
                    AppendToolResult(messages, new FunctionResultContent(result.CallId, result.Content));
                    break;
                case EventRoles.Assistant:
                    CloseOpenCalls();
                    var contents = new List<AIContent>();
                    if (!string.IsNullOrEmpty(content.Text))
                    {
                        contents.Add(new TextContent(content.Text));
                    }
                    foreach (var call in content.ToolCalls ?? [])
                    {
                        contents.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.Arguments)));
                        open.Add(call);
                    }
                    if (contents.Count > 0)
                    {
                        messages.Add(new ChatMessage(ChatRole.Assistant, contents));
                    }
                    break;
                case EventRoles.User:
                    CloseOpenCalls();
                    var text = content.Action is { } action
                        ? $"[pressed a button: {action.Name}{string.Concat(action.Data.Select(d => $" {d.Key}={d.Value}"))}]"
                        : content.Text ?? string.Empty;
                    messages.Add(new ChatMessage(ChatRole.User, text));
                    break;
            }
        }
        CloseOpenCalls();
        return messages;
    }

    private static void AppendToolResult(List<ChatMessage> messages, FunctionResultContent result)
    {
        // Results of one step share a tool message, as providers expect.
        if (messages.Count > 0 && messages[^1].Role == ChatRole.Tool)
        {
            messages[^1].Contents.Add(result);
        }
        else
        {
            messages.Add(new ChatMessage(ChatRole.Tool, [result]));
        }
    }

    private static Dictionary<string, object?>? ParseArguments(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(json);
        }
        catch (JsonException)
        {
            return new Dictionary<string, object?> { ["raw"] = json };
        }
    }
}
