using Bot.Pipeline;
namespace Bot.Agent.Commands;

/// <summary>
/// One slash command of the command agent. Features register theirs with DI; <c>/help</c> lists every registered
/// command, so the help text never promises a command that does not exist.
/// </summary>
public interface IChatCommand
{
    /// <summary>The command with its slash, lower case: <c>/balances</c>.</summary>
    string Name { get; }

    /// <summary>How to call it, for /help: <c>/quote SYMBOL</c>.</summary>
    string Usage { get; }

    /// <summary>One line for /help.</summary>
    string Summary { get; }

    /// <summary>Order in /help (lower first).</summary>
    int Order => 100;

    /// <summary>
    /// Whether /help lists it. A command that only carries what a button sends (<c>/plan approve ID HASH</c>, which
    /// needs the card's hash) works when the button sends it, but is no use typed, so /help leaves it out.
    /// </summary>
    bool Listed => true;

    /// <summary>
    /// True when the command reads nothing that the thread's earlier turns commit (their events and replies, the thread,
    /// the conversation's current thread), so in a busy conversation it may run while the turn before it is being
    /// committed (<see cref="ITurnHandler.MayRunAhead"/>). Off unless a command says so.
    /// </summary>
    bool IndependentOfEarlierTurns => false;

    Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken);
}
