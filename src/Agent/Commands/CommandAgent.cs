using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;

namespace Bot.Agent.Commands;

/// <summary>
/// The deterministic agent that answers when no language model is configured: it parses slash commands and runs
/// the registered <see cref="IChatCommand"/>s, which call the same tools as the model. Every command in /help works.
/// </summary>
public sealed class CommandAgent(IEnumerable<IChatCommand> commands) : ITurnHandler
{
    private readonly Dictionary<string, IChatCommand> byName = commands.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>True when the message is a command (the LLM agent hands those over). Button presses never reach an agent: the pipeline routes them to their action's handler.</summary>
    public static bool Handles(IncomingMessage message) =>
        Split(message.Text?.Trim() ?? string.Empty).Command.StartsWith('/');

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        var (command, argument) = Split(turn.Message.Text?.Trim() ?? string.Empty);
        if (turn.Thread.Title is null && turn.Message.Text is { } first)
        {
            // A thread is named by its first meaningful message: a command that does something ("Buy 10 AAPL"), or free text.
            turn.ProposedTitle = command.StartsWith('/')
                ? (byName.ContainsKey(command) ? ThreadTitles.FromCommand(command, argument) : null)
                : ThreadTitles.FromFirstMessage(first);
        }

        if (command == "/start" || command == "help")
        {
            command = "/help";
        }
        if (byName.TryGetValue(command, out var handler))
        {
            await handler.RunAsync(turn, argument, cancellationToken);
        }
        else if (command.Length == 0)
        {
            turn.Reply("I received an empty message. Type `/help` to see what I can do.");
        }
        else if (command.StartsWith('/'))
        {
            turn.Reply($"I don't know the command `{command}`. Type `/help` for the list.");
        }
        else
        {
            turn.Reply("I'm running without a language model, so I understand commands rather than free text. Type `/help` to see them.");
        }
    }

    /// <summary>
    /// Free text (answered with the same hint), an unknown command and a command that reads none of the thread's earlier
    /// turns may run while the turn before it is being committed.
    /// </summary>
    public bool MayRunAhead(IncomingMessage message)
    {
        var (command, _) = Split(message.Text?.Trim() ?? string.Empty);
        if (command == "/start" || command == "help")
        {
            command = "/help";
        }
        return !command.StartsWith('/') || !byName.TryGetValue(command, out var handler) || handler.IndependentOfEarlierTurns;
    }

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
