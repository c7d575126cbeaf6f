using System.Globalization;
using System.Text;
using System.Text.Json;
using Bot.Agent.Llm.Usage;
using Bot.Agent.Memory;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Storage.Entities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Llm;

/// <summary>
/// What the model does after a reply is committed, so none of it delays the reply: name a new thread, keep durable
/// facts the user stated (private conversations only), and fold history that fell out of the window into the
/// thread's rolling summary, so the prompt stays bounded however long the thread gets.
/// </summary>
public sealed partial class PostTurnWork(IChatClient chat, ThreadQueries threads, ThreadMetadataWriter threadWriter, MemoryStore memory, IOptions<LlmOptions> options, ILogger<PostTurnWork> logger)
{
    private const int SummaryChunkEvents = 200;
    private const int TranscriptCharsPerEvent = 600;

    public async Task RunAsync(ChatThread thread, Conversation conversation, Guid userId, Guid turnId, string userText, string reply, HistoryWindow window, CancellationToken cancellationToken)
    {
        using var scope = LlmCallScope.Begin(new LlmCallScope(userId, thread.Id, turnId, "after-reply"));
        try
        {
            await RunStepsAsync(thread, conversation, userId, userText, reply, window, cancellationToken);
        }
        catch (LlmBudgetExceededException)
        {
            // Titles, facts and summaries wait for budget like replies do; the reply already told the person if it mattered.
            LogBudgetSkipped(logger, thread.Id);
        }
    }

    private async Task RunStepsAsync(ChatThread thread, Conversation conversation, Guid userId, string userText, string reply, HistoryWindow window, CancellationToken cancellationToken)
    {
        if (thread.Title is null)
        {
            await NameThreadAsync(thread.Id, userText, reply, cancellationToken);
        }
        if (!conversation.IsGroup && userText.Length > 0)
        {
            await ExtractFactsAsync(userId, thread.Id, userText, reply, cancellationToken);
        }
        if (window.Truncated && window.StartsAt is { } start)
        {
            await FoldIntoSummaryAsync(thread.Id, start, cancellationToken);
        }
    }

    internal async Task NameThreadAsync(Guid threadId, string userText, string reply, CancellationToken cancellationToken)
    {
        var response = await chat.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System, "You name chat threads. Answer with a title of at most six words, no quotes, no trailing punctuation."),
                new ChatMessage(ChatRole.User, $"User: {Clip(userText, 1000)}\nAssistant: {Clip(reply, 1000)}\n\nTitle:"),
            ],
            new ChatOptions { MaxOutputTokens = 30 }, cancellationToken);
        var title = ThreadTitles.FromFirstMessage(ThinkingFilter.Strip(response.Text).Trim().Trim('"', '\'', '.', '*', '#').Trim());
        if (title is not null)
        {
            await threadWriter.SetTitleIfUnsetAsync(threadId, title, cancellationToken);
        }
    }

    internal async Task ExtractFactsAsync(Guid userId, Guid threadId, string userText, string reply, CancellationToken cancellationToken)
    {
        var known = await memory.ListAsync(userId, cancellationToken);
        var response = await chat.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System,
                    """
                    You keep a finance assistant's long-term memory about one user. From the exchange below, list durable facts or
                    preferences the user stated about themselves (goals, risk tolerance, base currency, employer, accounts they mention,
                    how they like answers) that are not already known. Ignore questions, one-off requests and anything about other people.
                    Answer with JSON only: [{"kind":"fact"|"preference","content":"short sentence"}], or [] when there is nothing.
                    """),
                new ChatMessage(ChatRole.User,
                    $"Already known:\n{string.Join('\n', known.Select(m => "- " + m.Content))}\n\nUser: {Clip(userText, 2000)}\nAssistant: {Clip(reply, 1000)}"),
            ],
            new ChatOptions { MaxOutputTokens = 300 }, cancellationToken);
        foreach (var (kind, content) in ParseFacts(ThinkingFilter.Strip(response.Text)))
        {
            if (known.Count + 1 > MemoryStore.MaxItems)
            {
                break;
            }
            await memory.AddAsync(userId, kind, content, threadId, cancellationToken);
        }
    }

    /// <summary>Reads the model's JSON list leniently (code fences, text around it); bad items are skipped.</summary>
    internal static IReadOnlyList<(string Kind, string Content)> ParseFacts(string text)
    {
        var start = text.IndexOf('[', StringComparison.Ordinal);
        var end = text.LastIndexOf(']');
        if (start < 0 || end <= start)
        {
            return [];
        }
        try
        {
            using var document = JsonDocument.Parse(text[start..(end + 1)]);
            var facts = new List<(string, string)>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                    && content.GetString() is { Length: > 0 and <= MemoryStore.MaxLength } value)
                {
                    var kind = item.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "fact";
                    facts.Add((kind, value.Trim()));
                }
            }
            return facts;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    internal async Task FoldIntoSummaryAsync(Guid threadId, DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        var (earlierSummary, through) = await threads.SummaryOfAsync(threadId, cancellationToken)
            ?? throw new InvalidOperationException($"Thread {threadId} does not exist.");
        var chunk = await threads.EventPageAsync(threadId, through, windowStart, SummaryChunkEvents, newestFirst: false, cancellationToken);
        if (chunk.Count == 0)
        {
            return;
        }

        var transcript = new StringBuilder();
        foreach (var e in chunk)
        {
            var content = BotJson.Deserialize<EventContent>(e.Content);
            if (content.Subagent is not null)
            {
                continue;
            }
            var line = content.ToolResult is { } result ? $"[tool {result.Name} answered: {result.Content}]"
                : content.ToolCalls is { Count: > 0 } calls ? $"[called {string.Join(", ", calls.Select(c => c.Name))}] {content.Text}"
                : content.Text;
            transcript.Append(CultureInfo.InvariantCulture, $"{e.Role}: {Clip(line ?? string.Empty, TranscriptCharsPerEvent)}\n");
        }

        var limit = options.Value.SummaryTokens;
        var response = await chat.GetResponseAsync(
            [
                new ChatMessage(ChatRole.System,
                    $"You maintain the running summary of a long chat between a user and their finance assistant. Merge the earlier summary and the new part into one summary of at most {limit * 3 / 4} words: decisions, figures, open questions, what the user wants. Plain text."),
                new ChatMessage(ChatRole.User, $"Earlier summary:\n{earlierSummary ?? "(none)"}\n\nNew part:\n{transcript}"),
            ],
            new ChatOptions { MaxOutputTokens = limit }, cancellationToken);
        var summary = Clip(ThinkingFilter.Strip(response.Text), limit * 3);
        var newThrough = chunk[^1].CreatedAt;
        await threadWriter.SaveSummaryAsync(threadId, summary, newThrough, cancellationToken);
        LogFolded(logger, chunk.Count, threadId);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Folded {Count} events of thread {ThreadId} into its summary")]
    private static partial void LogFolded(ILogger logger, int count, Guid threadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Work after the reply in thread {ThreadId} skipped: a token budget is spent")]
    private static partial void LogBudgetSkipped(ILogger logger, Guid threadId);
}
