using System.Globalization;
using System.Text.Json.Nodes;
using Bot.Pipeline.Model;

namespace Bot.Channels.BotFramework;

/// <summary>
/// A <see cref="Card"/> as an Adaptive Card 1.5 (Teams and the web chat). With universal actions (Teams) the buttons are
/// <c>Action.Execute</c>, which Teams answers with the updated card, with an <c>Action.Submit</c> fallback; both
/// carry the same data, which a host posts back as the activity's value. Web Chat 4.18 renders Action.Execute but
/// reports it as an unknown action when clicked (its renderer knows the type, so the fallback is never used), so
/// the web chat gets plain <c>Action.Submit</c> buttons.
/// </summary>
public static class AdaptiveCardRenderer
{
    public const string ContentType = "application/vnd.microsoft.card.adaptive";

    public static Attachment ToAttachment(Card card, bool universalActions) =>
        new(ContentType, System.Text.Json.JsonSerializer.SerializeToElement(Build(card, universalActions)));

    public static JsonObject Build(Card card, bool universalActions = true)
    {
        var body = new JsonArray();
        if (card.Notice is { } notice)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = notice, ["wrap"] = true, ["color"] = "Attention" });
        }
        body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = card.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true });
        if (CardMarkdown.Header(card) is { Length: > 0 } header)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = header, ["isSubtle"] = true, ["spacing"] = "None", ["wrap"] = true });
        }
        if (card.Items.Count > 0)
        {
            body.Add(new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray(card.Items.Select((item, i) => (JsonNode)new JsonObject
                {
                    ["title"] = (i + 1).ToString(CultureInfo.InvariantCulture),
                    ["value"] = item,
                }).ToArray()),
            });
        }
        if (card.Body is { Length: > 0 } text)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true });
        }
        foreach (var note in card.Notes)
        {
            body.Add(Small(note));
        }
        if (card.Outcome is { } outcome)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = outcome, ["wrap"] = true, ["weight"] = "Bolder" });
        }
        else if (card.Footer is { } footer)
        {
            body.Add(Small(footer));
        }

        var adaptive = new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.5",
            ["body"] = body,
        };
        if (card.Buttons.Count > 0)
        {
            adaptive["actions"] = new JsonArray(card.Buttons.Select(b => (JsonNode)(universalActions ? Execute(b) : Submit(b))).ToArray());
        }
        return adaptive;
    }

    private static JsonObject Small(string text) =>
        new() { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true, ["isSubtle"] = true, ["size"] = "Small" };

    private static JsonObject Execute(CardButton button) => new()
    {
        ["type"] = "Action.Execute",
        ["title"] = button.Label,
        ["verb"] = button.Verb,
        ["data"] = Data(button),
        ["style"] = Style(button),
        ["fallback"] = Submit(button),
    };

    private static JsonObject Submit(CardButton button) => new()
    {
        ["type"] = "Action.Submit",
        ["title"] = button.Label,
        ["data"] = Data(button),
        ["style"] = Style(button),
    };

    private static JsonObject Data(CardButton button) => new() { ["action"] = button.Action, [ActionInvoke.ArgumentsKey] = button.Arguments };

    private static string Style(CardButton button) => button.Destructive ? "destructive" : "positive";
}
