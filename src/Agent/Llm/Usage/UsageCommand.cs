using System.Globalization;
using System.Text;
using Bot.Agent.Commands;
using Bot.Pipeline;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Llm.Usage;

/// <summary><c>/usage</c>: the person's language-model tokens and estimated cost today and this month (UTC), and what is left of today's allowance.</summary>
public sealed class UsageCommand(LlmUsageStore usage, IOptions<LlmOptions> options, TimeProvider clock) : IChatCommand
{
    public string Name => "/usage";
    public string Usage => "/usage";
    public string Summary => "your language-model tokens and their estimated cost, today and this month";
    public int Order => 90;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (turn.Conversation.IsGroup)
        {
            // What one person spends is theirs: not shown to a group.
            turn.Reply("Send /usage in a private chat with me: your usage is not shown in a group.");
            return;
        }
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var (today, month) = await usage.PersonTotalsAsync(turn.UserId, now, cancellationToken);
        var text = new StringBuilder("**Your language-model usage**\n\n");
        if (!settings.Enabled)
        {
            text.Append("No language model is set up here, so commands answer without one and use no tokens.\n\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"- Today (UTC): {Line(today)}\n");
        text.Append(CultureInfo.InvariantCulture, $"- This month: {Line(month)}\n");
        if (settings.Enabled && settings.DailyTokensPerPerson > 0)
        {
            var left = Math.Max(0, settings.DailyTokensPerPerson - today.Tokens);
            text.Append(CultureInfo.InvariantCulture, $"\nDaily allowance: {settings.DailyTokensPerPerson:N0} tokens, {left:N0} left until midnight UTC.");
        }
        turn.Reply(text.ToString().TrimEnd());
    }

    private static string Line(LlmUsageStore.Totals totals)
    {
        if (totals.Calls == 0)
        {
            return "nothing";
        }
        var cost = totals.UnpricedCalls == totals.Calls
            ? "cost not estimated (no price set for the model)"
            : totals.UnpricedCalls > 0
                ? $"about ${totals.CostUsd:0.0000} for the calls with a price ({totals.UnpricedCalls} without)"
                : $"about ${totals.CostUsd:0.0000}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{totals.Tokens:N0} tokens ({totals.InputTokens:N0} in, {totals.OutputTokens:N0} out) in {totals.Calls} call{(totals.Calls == 1 ? "" : "s")}, {cost}");
    }
}
