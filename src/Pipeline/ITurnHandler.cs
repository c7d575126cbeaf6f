using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Pipeline;

/// <summary>The agent's entry point for one turn: the command agent, or the LLM agent when a model is configured.</summary>
public interface ITurnHandler
{
    Task HandleAsync(TurnContext turn, CancellationToken cancellationToken);

    /// <summary>
    /// True when the turn for <paramref name="message"/> reads nothing that the thread's earlier turns commit (their
    /// events and replies, the thread's title, the conversation's current thread), so it may run while they are still
    /// being committed. It still runs after them, and is committed only after them. False unless a handler knows better:
    /// a turn that reads the thread's history (a model's prompt) must see the turn before it.
    /// </summary>
    bool MayRunAhead(IncomingMessage message) => false;
}
