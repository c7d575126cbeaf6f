using System.Globalization;
using System.Text;
using Bot.Agent.Commands;
using Bot.Pipeline.Model;
using Bot.Pipeline;

namespace Bot.Agent.Memory;

/// <summary><c>/memory</c> shows what is remembered; <c>/memory clear</c> asks, and a confirmation clears it.</summary>
public sealed class MemoryCommand(MemoryStore store) : IChatCommand
{
    public const string ConfirmArgument = "clear confirm";

    public const string Command = "/memory";

    public string Name => Command;
    public string Usage => "/memory";
    public string Summary => "shows what I remember about you; `/memory clear` forgets it all (after you confirm)";
    public int Order => 3;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (turn.Conversation.IsGroup)
        {
            // Memory is the person's, and a group chat never receives it.
            turn.Reply("`/memory` works only in a private chat with me: what I remember about you is private.");
            return;
        }
        var normalized = string.Join(' ', argument.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var memories = await store.ListAsync(turn.UserId, cancellationToken);
        switch (normalized)
        {
            case "":
                if (memories.Count == 0)
                {
                    turn.Reply("I don't remember anything about you yet.");
                    return;
                }
                var list = new StringBuilder("**What I remember about you**\n\n");
                foreach (var memory in memories)
                {
                    list.Append(CultureInfo.InvariantCulture, $"- {memory.Content} _({memory.Kind}, {memory.CreatedAt:yyyy-MM-dd})_\n");
                }
                list.Append("\n`/memory clear` forgets all of it.");
                turn.Reply(list.ToString());
                return;
            case "clear":
                if (memories.Count == 0)
                {
                    turn.Reply("There is nothing to forget.");
                    return;
                }
                turn.Reply(
                    $"This deletes all {memories.Count} things I remember about you, for good. Send `/memory {ConfirmArgument}` or press the button to confirm.",
                    [new MessageButton("Yes, forget everything", Name, new Dictionary<string, string> { [ActionInvoke.ArgumentsKey] = ConfirmArgument })]);
                return;
            case ConfirmArgument:
                turn.Reply(await ClearAsync(store, turn.UserId, cancellationToken));
                return;
            default:
                turn.Reply("Use `/memory` to see what I remember, or `/memory clear` to forget it all.");
                return;
        }
    }

    internal static async Task<string> ClearAsync(MemoryStore store, Guid userId, CancellationToken cancellationToken)
    {
        var removed = await store.ClearAsync(userId, cancellationToken);
        return removed == 0 ? "There was nothing to forget." : $"Done: I forgot {removed} thing{(removed == 1 ? "" : "s")} about you.";
    }
}
