using System.Globalization;
using System.Text.Json.Nodes;
using Bot.Pipeline.Model;

namespace Bot.Channels.Slack;

/// <summary>A <see cref="Pipeline.Model.Card"/> as Block Kit: header, status and lines, text and notes, the outcome, and its buttons (with a confirm dialog where the button asks for one).</summary>
public static class SlackBlocks
{
    public const int MaxValueChars = 2000;
    private const int MaxHeaderChars = 150;
    private const int MaxSectionChars = 3000;
    private const int MaxContextElements = 10;

    public static JsonArray Card(Card card)
    {
        var blocks = new JsonArray();
        if (card.Notice is { } notice)
        {
            blocks.Add(Section("*" + SlackMrkdwn.Escape(notice) + "*"));
        }
        blocks.Add(Header(card.Title));
        var summary = string.Join(" · ", (card.Status is { } status ? new[] { "*" + SlackMrkdwn.Escape(status) + "*" } : [])
            .Concat(card.Labels.Select(SlackMrkdwn.Escape)));
        var items = string.Join('\n', card.Items.Select(item => "• " + SlackMrkdwn.Escape(item)));
        blocks.Add(Section(summary.Length > 0 && items.Length > 0 ? summary + "\n" + items : summary + items));

        var context = new JsonArray();
        if (!string.IsNullOrWhiteSpace(card.Body))
        {
            context.Add(Mrkdwn(Truncate(SlackMrkdwn.Escape(card.Body), MaxSectionChars)));
        }
        foreach (var note in card.Notes.Take(MaxContextElements - 2))
        {
            context.Add(Mrkdwn(Truncate("_" + SlackMrkdwn.Escape(note) + "_", MaxSectionChars)));
        }
        if (card.Outcome is null && card.Footer is { } footer)
        {
            context.Add(Mrkdwn(Truncate(SlackMrkdwn.Escape(footer), MaxSectionChars)));
        }
        if (context.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = context });
        }
        if (card.Outcome is { } outcome)
        {
            blocks.Add(Section("*Outcome:* " + SlackMrkdwn.Escape(outcome)));
        }
        if (card.Buttons.Count > 0)
        {
            var buttons = new JsonArray();
            foreach (var button in card.Buttons)
            {
                buttons.Add(Button(button));
            }
            blocks.Add(new JsonObject { ["type"] = "actions", ["block_id"] = card.Key, ["elements"] = buttons });
        }
        return blocks;
    }

    /// <summary>The button value: the command and its arguments, as typed.</summary>
    public static string Value(CardButton button) => $"{button.Action} {button.Arguments}".Trim();

    private static JsonObject Button(CardButton action)
    {
        var value = Value(action);
        if (value.Length > MaxValueChars)
        {
            throw new InvalidOperationException($"A Slack button value holds at most {MaxValueChars} characters; '{action.Label}' needs {value.Length}.");
        }
        var button = new JsonObject
        {
            ["type"] = "button",
            ["action_id"] = action.Verb.Replace('.', '_'),
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

    /// <summary>A header block, its plain text cut to Slack's limit.</summary>
    internal static JsonObject Header(string text) => new() { ["type"] = "header", ["text"] = PlainText(Truncate(text, MaxHeaderChars)) };

    /// <summary>A section of mrkdwn (already escaped), cut to Slack's limit.</summary>
    internal static JsonObject Section(string mrkdwn) => new() { ["type"] = "section", ["text"] = Mrkdwn(Truncate(mrkdwn, MaxSectionChars)) };

    internal static JsonObject Mrkdwn(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    internal static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
