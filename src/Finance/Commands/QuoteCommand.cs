using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

public sealed class QuoteCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/quote";

    public override bool IndependentOfEarlierTurns => true;
    public override string Usage => "/quote SYMBOL";
    public override string Summary => "shows a quote for a stock or ETF";
    public override int Order => 23;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(argument))
        {
            turn.Reply("Which symbol? For example `/quote AAPL`.");
            return;
        }
        var symbol = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        Reply<QuoteResult>(turn, await InvokeAsync(turn, FinanceToolProvider.GetQuote, new Dictionary<string, object?> { ["symbol"] = symbol }, cancellationToken), FinanceMarkdown.Quote);
    }
}
