using System.Globalization;
using System.Text.Json.Nodes;
using Bot.Pipeline.Model;

namespace Bot.Channels.Slack;

/// <summary>A trade plan as Block Kit: header, orders, rationale and notes, and Approve (with a confirm dialog) / Decline while it is open.</summary>
public static class SlackBlocks
{
    public const int MaxValueChars = 2000;
    private const int MaxHeaderChars = 150;
    private const int MaxSectionChars = 3000;
    private const int MaxContextElements = 10;

    public static JsonArray Plan(PlanCard card)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = PlainText(Truncate(card.Title, MaxHeaderChars)) },
        };
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"*{SlackMrkdwn.Escape(card.Status)}* · {SlackMrkdwn.Escape(card.Broker)}{(card.IsPaper ? " (paper)" : "")} · plan `{SlackMrkdwn.Escape(card.ShortId)}`");
        var orders = string.Join('\n', card.Orders.Select(o => "• " + SlackMrkdwn.Escape(o.Describe() + (o.Result is { } r ? " — " + r : ""))));
        blocks.Add(Section(summary + "\n" + orders));

        var context = new JsonArray();
        if (!string.IsNullOrWhiteSpace(card.Rationale))
        {
            context.Add(Mrkdwn(Truncate(SlackMrkdwn.Escape(card.Rationale), MaxSectionChars)));
        }
        foreach (var note in card.RiskNotes.Take(MaxContextElements - 2))
        {
            context.Add(Mrkdwn(Truncate("_Risk note: " + SlackMrkdwn.Escape(note) + "_", MaxSectionChars)));
        }
        if (card.Outcome is null)
        {
            context.Add(Mrkdwn(string.Create(CultureInfo.InvariantCulture, $"Expires {card.ExpiresAt.ToUniversalTime():HH:mm} UTC. Nothing is sent to the broker until you approve.")));
        }
        if (context.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = context });
        }
        if (card.Outcome is { } outcome)
        {
            blocks.Add(Section("*Outcome:* " + SlackMrkdwn.Escape(outcome)));
        }
        if (card.Actions.Count > 0)
        {
            var buttons = new JsonArray();
            foreach (var action in card.Actions)
            {
                buttons.Add(Button(action));
            }
            blocks.Add(new JsonObject { ["type"] = "actions", ["block_id"] = "plan:" + card.ShortId, ["elements"] = buttons });
        }
        return blocks;
    }

    /// <summary>The button value: the command and its arguments, as typed.</summary>
    public static string Value(PlanCardAction action) => $"{action.Command} {action.Arguments}".Trim();

    private static JsonObject Button(PlanCardAction action)
    {
        var value = Value(action);
        if (value.Length > MaxValueChars)
        {
            throw new InvalidOperationException($"A Slack button value holds at most {MaxValueChars} characters; '{action.Label}' needs {value.Length}.");
        }
        var button = new JsonObject
        {
            ["type"] = "button",
            ["action_id"] = "plan_" + action.Operation,
            ["text"] = PlainText(Truncate(action.Label, 75)),
            ["value"] = value,
            ["style"] = action.Destructive ? "danger" : "primary",
        };
        if (action.Confirm is { } confirm)
        {
            button["confirm"] = new JsonObject
            {
                ["title"] = PlainText(Truncate(action.Label + "?", 100)),
                ["text"] = PlainText(Truncate(confirm, 300)),
                ["confirm"] = PlainText(Truncate(action.Label, 30)),
                ["deny"] = PlainText("Cancel"),
                ["style"] = action.Destructive ? "danger" : "primary",
            };
        }
        return button;
    }

    private static JsonObject Section(string mrkdwn) => new() { ["type"] = "section", ["text"] = Mrkdwn(Truncate(mrkdwn, MaxSectionChars)) };

    private static JsonObject Mrkdwn(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
