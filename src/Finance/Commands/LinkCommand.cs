using Bot.Agent.Commands;
using Bot.Finance.Tools;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Finance.Commands;

public sealed class LinkCommand(FinanceToolProvider tools) : FinanceCommand(tools)
{
    public override string Name => "/link";
    public override string Usage => "/link bank";
    public override string Summary => "sends you a one-time link to connect your bank";
    public override int Order => 24;

    public override async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var words = argument.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] != "bank")
        {
            turn.Reply("Use `/link bank` to connect a bank account.");
            return;
        }
        var sandbox = words.Length > 1 && words[1] == "sandbox";
        var result = await InvokeAsync(turn, FinanceToolProvider.LinkBank, new Dictionary<string, object?> { ["sandbox"] = sandbox }, cancellationToken);
        Reply<BankLinkResult>(turn, result, link => link.Url is null
            ? link.Message
            : $"{link.Message}\n\n[Connect your bank]({link.Url})\n\nThe link expires at {link.ExpiresAt!.Value.UtcDateTime:HH:mm} UTC.");
    }
}
