using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Strategies;

/// <summary>A standing instruction as people see it (chat, tools and <c>GET /api/strategies</c>): its state, last evaluation, last outcome, next evaluation.</summary>
public sealed record StrategyView(Strategy Strategy, string State, string? LastEvaluation, string? LastOutcome, DateTimeOffset? NextEvaluation)
{
    public string Code => Strategy.Code;
}

/// <summary>How standing instructions read in chat: the list with its Pause, Resume and Delete buttons.</summary>
public static class StrategyMarkdown
{
    public const string Command = "/strategies";

    public static StrategyView View(Strategy strategy, bool killSwitch, TradePlanStatus? planStatus)
    {
        var state = !strategy.Enabled ? "Paused"
            : killSwitch ? "Paused by the kill switch (Trading:KillSwitch): nothing is evaluated until it is off"
            : "Active";
        var lastEvaluation = strategy.LastEvalAt is { } at ? $"{Utc(at)}: {strategy.LastEvalNote}" : null;
        var outcome = strategy.LastOutcome;
        if (outcome is not null && strategy.LastPlan is { } plan && planStatus is { } status)
        {
            outcome += status switch
            {
                TradePlanStatus.Proposed => " (waiting for your approval)",
                TradePlanStatus.Declined => " (declined)",
                TradePlanStatus.Expired => " (expired)",
                TradePlanStatus.Filled => " (approved, filled)",
                TradePlanStatus.Rejected or TradePlanStatus.Failed => $" (approved, {status.ToString().ToLowerInvariant()})",
                _ => " (approved)",
            };
        }
        if (outcome is not null && strategy.LastOutcomeAt is { } when)
        {
            outcome = $"{Utc(when)}: {outcome}";
        }
        return new StrategyView(strategy, state, lastEvaluation, outcome, strategy.Enabled && !killSwitch ? strategy.NextEvalAt : null);
    }

    public static (string Text, IReadOnlyList<MessageButton> Buttons) List(IReadOnlyList<StrategyView> views)
    {
        if (views.Count == 0)
        {
            return ($"You have no standing instructions. Create one with {StrategyParser.AlertSyntax}, `/dca 500 VTI monthly 1` or `/rebalance VTI 60 BND 40 drift 5`.", []);
        }
        var text = new StringBuilder("**Your standing instructions**\n\n");
        var buttons = new List<MessageButton>();
        var n = 0;
        foreach (var view in views)
        {
            var strategy = view.Strategy;
            text.Append(CultureInfo.InvariantCulture, $"{++n}. **{strategy.Title}** `#{view.Code}`: {view.State}\n");
            text.Append("   Last evaluation: ").Append(view.LastEvaluation ?? "not yet").Append('\n');
            text.Append("   Last outcome: ").Append(view.LastOutcome ?? "none yet").Append('\n');
            text.Append("   Next evaluation: ").Append(view.NextEvaluation is { } next ? Utc(next) : "none while paused").Append('\n');
            var label = Short(strategy.Title);
            buttons.Add(strategy.Enabled
                ? new MessageButton($"Pause {label}", Command, Args("pause", strategy.Id))
                : new MessageButton($"Resume {label}", Command, Args("resume", strategy.Id)));
            buttons.Add(new MessageButton($"Delete {label}", Command, Args("delete", strategy.Id)));
        }
        text.Append("\nOr type `/strategies pause CODE`, `/strategies resume CODE`, `/strategies delete CODE`, or `/strategies run CODE` to evaluate one now.");
        return (text.ToString(), buttons);
    }

    public static string Created(Strategy strategy, decimal? price, int alertIntervalSeconds, bool alwaysOpen)
    {
        var when = strategy.Spec.Kind switch
        {
            StrategyKind.Alert => $"I check the price every {Interval(alertIntervalSeconds)}{(alwaysOpen ? " (the paper market never closes)" : " during US market hours")} and tell you in a new thread when it crosses, once per crossing.",
            StrategyKind.Dca => $"First due {Utc(strategy.DueAt ?? strategy.NextEvalAt)}; each time I propose the buy in a new thread with a trade plan for you to approve.",
            _ => $"I check it every Monday at 10:00 New York time (first {Utc(strategy.NextEvalAt)}), and `/rebalance now` checks it at once; when a weight is outside the tolerance I propose orders in a new thread for you to approve.",
        };
        var now = price is { } p ? string.Create(CultureInfo.InvariantCulture, $" ({strategy.Spec.Symbols[0]} is at {p:0.00} now)") : "";
        return $"Set **{strategy.Title}** `#{strategy.Code}`{now}. {when} Nothing is ever traded without your click. `/strategies` lists your instructions.";
    }

    private static string Interval(int seconds) => seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds} s";

    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Args(string verb, Guid id) => new() { ["args"] = $"{verb} {id}" };

    private static string Short(string title) => title.Length <= 24 ? $"“{title}”" : $"“{title[..23]}…”";
}
