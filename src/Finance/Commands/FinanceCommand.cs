using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

/// <summary>
/// The base of the finance commands: each runs the very <see cref="AIFunction"/> the language model would call
/// (through <see cref="AIFunction.InvokeAsync"/>), then formats the record it returns, or says the tool's error.
/// </summary>
public abstract class FinanceCommand(FinanceToolProvider tools) : IChatCommand
{
    public abstract string Name { get; }
    public abstract string Usage { get; }
    public abstract string Summary { get; }
    public virtual int Order => 20;

    /// <summary>The read-only commands (quotes, balances, holdings, transactions) say true: they read the person's accounts only.</summary>
    public virtual bool IndependentOfEarlierTurns => false;

    public abstract Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken);

    protected async Task<object?> InvokeAsync(TurnContext turn, string tool, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var function = tools.GetTools(ToolContext.For(turn)).Single(f => f.Name == tool);
        return await function.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken);
    }

    /// <summary>Replies with the formatted result, or with the tool's error in plain words.</summary>
    protected static void Reply<T>(TurnContext turn, object? result, Func<T, string> format) where T : class => turn.Reply(result switch
    {
        T value => format(value),
        ToolError error => error.Error,
        _ => "Sorry, I could not get that right now.",
    });
}
