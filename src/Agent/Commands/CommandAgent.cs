using System.Globalization;
using System.Text;
using Bot.Agent.Model;
using Bot.Agent.Threads;

namespace Bot.Agent.Commands;

/// <summary>
/// The deterministic agent that answers when no language model is configured: it parses commands and calls the
/// same services the model's tools call. Every command it lists in <c>/help</c> works.
/// </summary>
public sealed class CommandAgent(ThreadQueries threads, TimeProvider clock) : ITurnHandler
{
    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        if (turn.Thread.Title is null && turn.Message.Text is { } first && !first.TrimStart().StartsWith('/'))
        {
            turn.ProposedTitle = ThreadTitles.FromFirstMessage(first);
        }

        var text = turn.Message.Text?.Trim() ?? string.Empty;
        var (command, argument) = Split(text);
        switch (command)
        {
            case "/help" or "/start" or "help":
                turn.Reply(HelpText);
                break;
            case "/new":
                NewThread(turn);
                break;
            case "/threads":
                await ListThreadsAsync(turn, cancellationToken);
                break;
            case "":
                turn.Reply("I received an empty message. Type `/help` to see what I can do.");
                break;
            default:
                turn.Reply(command.StartsWith('/')
                    ? $"I don't know the command `{command}`. Type `/help` for the list."
                    : "I'm running without a language model, so I understand commands rather than free text. Type `/help` to see them.");
                break;
        }
        _ = argument;
    }

    internal const string HelpText =
        """
        **What I can do**

        - `/help` shows this list.
        - `/new` starts a new thread; the old one stays in `/threads`.
        - `/threads` lists your recent threads.

        I am running without a language model, so I answer commands, not free text.
        """;

    private static void NewThread(TurnContext turn)
    {
        if (turn.Message.ThreadMode == ThreadMode.ConversationIsThread)
        {
            turn.Reply("In the web chat every conversation is its own thread: press **New thread** in the sidebar to start one.");
            return;
        }
        if (turn.Message.ThreadMode == ThreadMode.PlatformThreads)
        {
            turn.Reply("Here every thread of the chat is its own thread: start a new top-level message to begin another.");
            return;
        }
        turn.StartNewThread();
        turn.Reply("Started a new thread. Your earlier conversation is kept; `/threads` lists it.");
    }

    private async Task ListThreadsAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        var recent = await threads.RecentAsync(turn.UserId, 10, cancellationToken);
        var builder = new StringBuilder("**Your recent threads**\n\n");
        var now = clock.GetUtcNow();
        foreach (var thread in recent)
        {
            var marker = thread.Id == turn.Thread.Id ? " (this thread)" : string.Empty;
            builder.Append(CultureInfo.InvariantCulture, $"- {thread.Title}{marker} · {thread.Channel} · {Ago(now - thread.UpdatedAt)}\n");
        }
        turn.Reply(builder.ToString().TrimEnd());
    }

    private static string Ago(TimeSpan elapsed) => elapsed switch
    {
        { TotalMinutes: < 1 } => "just now",
        { TotalHours: < 1 } => $"{(int)elapsed.TotalMinutes} min ago",
        { TotalDays: < 1 } => $"{(int)elapsed.TotalHours} h ago",
        _ => $"{(int)elapsed.TotalDays} d ago",
    };

    internal static (string Command, string Argument) Split(string text)
    {
        if (text.Length == 0)
        {
            return (string.Empty, string.Empty);
        }
        var space = text.IndexOfAny([' ', '\n', '\t']);
        var head = space < 0 ? text : text[..space];
        var rest = space < 0 ? string.Empty : text[(space + 1)..].Trim();
        // Telegram addresses commands in groups as /command@BotName.
        var at = head.IndexOf('@', StringComparison.Ordinal);
        if (head.StartsWith('/') && at > 0)
        {
            head = head[..at];
        }
        return (head.ToLowerInvariant(), rest);
    }
}
