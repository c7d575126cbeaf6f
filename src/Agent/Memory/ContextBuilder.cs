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
/// rolling summary, starting at a user message so a tool call is never separated from its result. It reads newest
/// first only as far as the budget reaches, in as few round trips as it can (the size of the first page comes from
/// the thread's last prompt, the next ones from the tokens an event has cost so far), and takes the content and the
/// token estimate of events it has seen before from <see cref="PromptEventCache"/>, so a turn reads the content of
/// what is new only. A sub-agent's steps stay out of the prompt and cost nothing.
/// </summary>
public sealed class ContextBuilder(ThreadQueries threads, PromptEventCache cache)
{
    /// <summary>No window reads more rows than this, whatever the thread holds (sub-agent steps cost rows but no tokens).</summary>
    internal const int MaxRows = 4_000;

    private const int MinPage = 64;

    /// <summary>The first page of a thread seen for the first time: a question, a tool call and its result average above 24 tokens an event.</summary>
    private const int FirstGuessTokensPerEvent = 24;

    public async Task<HistoryWindow> BuildAsync(ChatThread thread, int tokenBudget, CancellationToken cancellationToken)
    {
        var hint = cache.HintFor(thread.Id);
        var newestFirst = new List<(string Role, EventContent Content, DateTimeOffset At, int Tokens)>();
        var tokens = 0;
        var rowsRead = 0;
        var more = true;
        DateTimeOffset? newest = null;
        (DateTimeOffset, Guid)? before = null;
        var pageSize = hint is { } last ? last.Rows + last.Rows / 8 + 16 : tokenBudget / FirstGuessTokensPerEvent + 16;
        while (more && tokens <= tokenBudget && rowsRead < MaxRows)
        {
            var limit = Math.Clamp(pageSize, MinPage, MaxRows - rowsRead);
            var page = await threads.PromptPageAsync(thread.Id, thread.SummaryThrough, before, hint?.KnownThrough, limit, cancellationToken);
            more = page.Count == limit;
            if (page.Count == 0)
            {
                break;
            }
            newest ??= page[0].CreatedAt;
            before = (page[^1].CreatedAt, page[^1].Id);
            var (events, rows) = await ReadPageAsync(page, tokenBudget - tokens, cancellationToken);
            foreach (var (at, e) in events)
            {
                newestFirst.Add((e.Role, e.Content!, at, e.Tokens));
                tokens += e.Tokens;
            }
            rowsRead += rows;
            // The next page: as many rows as the rest of the budget needs at the tokens a row has cost so far, and a margin.
            pageSize = (int)Math.Min(MaxRows, (long)(tokenBudget - tokens + 1) * rowsRead / Math.Max(1, tokens) * 5 / 4 + 16);
        }
        if (newest is { } knownThrough)
        {
            cache.Remember(thread.Id, new ThreadReadHint(knownThrough, rowsRead));
        }
        var window = Fit(newestFirst, tokenBudget);
        // Rows left unread under the cap are older events outside the window, as much as those over the budget.
        return more && tokens <= tokenBudget && !window.Truncated ? window with { Truncated = true } : window;
    }

    /// <summary>
    /// A page's events in order, from the cache or the page (fetching those the cache came to miss), sub-agent steps
    /// left out, up to the first that overflows the budget left; and how many rows that took.
    /// </summary>
    private async Task<(List<(DateTimeOffset At, PromptEvent Event)> Events, int Rows)> ReadPageAsync(IReadOnlyList<PromptEventRow> page, int budgetLeft, CancellationToken cancellationToken)
    {
        var resolved = new List<(PromptEventRow Row, PromptEvent? Event)>(page.Count);
        var missing = new List<Guid>();
        var tokens = 0;
        foreach (var row in page)
        {
            var promptEvent = row.Bare ? cache.TryGet(row.Id, out var cached) ? cached : null : Remember(row);
            if (promptEvent is null)
            {
                missing.Add(row.Id); // evicted since, or written late with an older time than the last prompt read
            }
            resolved.Add((row, promptEvent));
            tokens += promptEvent?.Tokens ?? 0;
            if (tokens > budgetLeft)
            {
                break; // the rest of the page is older than the window
            }
        }
        if (missing.Count > 0)
        {
            var fetched = await threads.PromptEventsAsync(missing, cancellationToken);
            for (var i = 0; i < resolved.Count; i++)
            {
                if (resolved[i].Event is null && fetched.TryGetValue(resolved[i].Row.Id, out var row))
                {
                    resolved[i] = (row, Remember(row));
                }
            }
        }
        var events = new List<(DateTimeOffset, PromptEvent)>(resolved.Count);
        tokens = 0;
        foreach (var (row, promptEvent) in resolved)
        {
            if (promptEvent?.Content is null)
            {
                continue; // a sub-agent's step stays out (its answer is the delegate tool's result), as does an event gone since
            }
            events.Add((row.CreatedAt, promptEvent));
            tokens += promptEvent.Tokens;
            if (tokens > budgetLeft)
            {
                break; // with the late ones counted, the budget may overflow earlier than the loop above stopped
            }
        }
        return (events, resolved.Count);
    }

    private PromptEvent Remember(PromptEventRow row)
    {
        var content = row.Content is { } json ? BotJson.Deserialize<EventContent>(json) : null;
        var promptEvent = new PromptEvent(row.Role!, content, content is null ? 0 : Cost(content));
        cache.Add(row.Id, promptEvent);
        return promptEvent;
    }

    /// <summary>The pure part: newest-first events in, the fitting oldest-first messages out.</summary>
    internal static HistoryWindow Fit(IReadOnlyList<(string Role, EventContent Content, DateTimeOffset At)> newestFirst, int tokenBudget) =>
        Fit(newestFirst.Where(e => e.Content.Subagent is null).Select(e => (e.Role, e.Content, e.At, Cost(e.Content))).ToList(), tokenBudget);

    /// <summary>The pure part with the token estimates known; sub-agent steps are already left out.</summary>
    internal static HistoryWindow Fit(IReadOnlyList<(string Role, EventContent Content, DateTimeOffset At, int Tokens)> newestFirst, int tokenBudget)
    {
        var kept = new List<(string Role, EventContent Content, DateTimeOffset At, int Tokens)>();
        var used = 0;
        var truncated = false;
        foreach (var e in newestFirst)
        {
            if (used + e.Tokens > tokenBudget)
            {
                truncated = true;
                break;
            }
            kept.Add(e);
            used += e.Tokens;
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

    internal static int Cost(EventContent content) =>
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
