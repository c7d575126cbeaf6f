using System.Security.Cryptography;
using System.Text;
using Bot.Agent.Commands;
using Bot.Pipeline;

namespace Bot.Strategies;

/// <summary><c>/alert AAPL below 180</c>, <c>/alert MSFT above 450</c>, <c>/alert VTI moves 3%</c>.</summary>
public sealed class AlertCommand(StrategyService strategies) : IChatCommand
{
    public string Name => "/alert";
    public string Usage => "/alert AAPL below 180";
    public string Summary => "tells you (in a new thread) when a price crosses a level (`below`, `above`) or moves a percentage from the day's open (`moves 3%`)";
    public int Order => 40;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        StrategyCommands.CreateAsync(strategies, turn, StrategyParser.ParseAlert(argument), cancellationToken);
}

/// <summary><c>/dca 500 VTI monthly 1</c>: a recurring buy, proposed as a plan each time.</summary>
public sealed class DcaCommand(StrategyService strategies) : IChatCommand
{
    public string Name => "/dca";
    public string Usage => "/dca 500 VTI monthly 1";
    public string Summary => "a recurring buy (`daily`, `weekly mon`…`fri`, `monthly 1`…`31`): each time I propose whole shares within the amount for you to approve";
    public int Order => 41;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken) =>
        StrategyCommands.CreateAsync(strategies, turn, StrategyParser.ParseDca(argument), cancellationToken);
}

/// <summary><c>/rebalance VTI 60 BND 40 drift 5</c> keeps target weights (checked weekly); <c>/rebalance now</c> checks at once.</summary>
public sealed class RebalanceCommand(StrategyService strategies, StrategyRunner runner) : IChatCommand
{
    public string Name => "/rebalance";
    public string Usage => "/rebalance VTI 60 BND 40 drift 5";
    public string Summary => "keeps target weights within a tolerance, checked weekly; `/rebalance now` checks at once and proposes the fewest orders";
    public int Order => 42;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var words = argument.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 1 or 2 && words[0].Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            var mine = (await strategies.ListAsync(turn.UserId, cancellationToken)).Select(v => v.Strategy)
                .Where(s => s.Spec.Kind == StrategyKind.Rebalance && (words.Length == 1 || string.Equals(s.Code, words[1].TrimStart('#'), StringComparison.OrdinalIgnoreCase))).ToList();
            if (mine.Count == 0)
            {
                turn.Reply(words.Length == 1
                    ? "You have no rebalancing instruction yet. Create one with " + StrategyParser.RebalanceSyntax + "."
                    : $"You have no rebalancing instruction `{words[1]}`. `/strategies` lists yours.");
                return;
            }
            foreach (var strategy in mine)
            {
                await runner.RunAsync(turn, strategy, cancellationToken);
            }
            return;
        }
        await StrategyCommands.CreateAsync(strategies, turn, StrategyParser.ParseRebalance(argument), cancellationToken);
    }
}

/// <summary><c>/strategies</c> lists the person's instructions with buttons; <c>pause|resume|delete|run CODE</c> manage them.</summary>
public sealed class StrategiesCommand(StrategyService strategies, StrategyRunner runner) : IChatCommand
{
    public string Name => StrategyMarkdown.Command;
    public string Usage => "/strategies";
    public string Summary => "lists your alerts, recurring buys and rebalancing with their last outcome and next evaluation, with buttons to pause, resume or delete them";
    public int Order => 43;

    /// <summary>The message a firing records: the instruction's run, in the firing's own thread.</summary>
    public static string RunText(Strategy strategy) => $"{StrategyMarkdown.Command} run {strategy.Code}";

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var words = argument.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            var (text, buttons) = StrategyMarkdown.List(await strategies.ListAsync(turn.UserId, cancellationToken));
            turn.Reply(text, buttons.Count > 0 ? buttons : null);
            return;
        }
        var verb = words[0].ToLowerInvariant();
        if (words.Length != 2 || verb is not ("pause" or "resume" or "delete" or "run"))
        {
            turn.Reply("Use `/strategies`, or `/strategies pause CODE`, `resume CODE`, `delete CODE` or `run CODE`.");
            return;
        }
        if (verb == "run")
        {
            var strategy = await strategies.FindAsync(turn.UserId, words[1], cancellationToken);
            if (strategy is null)
            {
                turn.Reply($"You have no standing instruction `{words[1]}`. `/strategies` lists yours.");
                return;
            }
            await runner.RunAsync(turn, strategy, cancellationToken);
            return;
        }
        turn.Reply(await strategies.ManageAsync(turn.UserId, verb, words[1], cancellationToken));
    }
}

internal static class StrategyCommands
{
    public static async Task CreateAsync(StrategyService strategies, TurnContext turn, (StrategySpec? Spec, string? Error) parsed, CancellationToken cancellationToken)
    {
        if (parsed.Spec is not { } spec)
        {
            turn.Reply(parsed.Error! + " Nothing was set.");
            return;
        }
        var (created, price, error) = await strategies.CreateAsync(turn.UserId, turn.Conversation.Id, spec, SourceKey(turn, spec), cancellationToken);
        turn.Reply(created is null
            ? error + " Nothing was set."
            : StrategyMarkdown.Created(created, price, strategies.AlertIntervalSeconds, strategies.AlwaysOpen));
    }

    /// <summary>The same message run again after a crash finds the instruction it created the first time.</summary>
    public static string SourceKey(TurnContext turn, StrategySpec spec)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec.ToJson())))[..16];
        return $"{turn.Message.Address.Channel}:{turn.Message.EventId}:{hash}";
    }
}
