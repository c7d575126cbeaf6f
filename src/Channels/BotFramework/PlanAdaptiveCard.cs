using System.Globalization;
using System.Text.Json.Nodes;
using Bot.Pipeline.Model;

namespace Bot.Channels.BotFramework;

/// <summary>
/// A trade plan as an Adaptive Card 1.5 (Teams and the web chat). With universal actions (Teams) the buttons are
/// <c>Action.Execute</c>, which Teams answers with the updated card, with an <c>Action.Submit</c> fallback; both
/// carry the same data, which a host posts back as the activity's value. Web Chat 4.18 renders Action.Execute but
/// reports it as an unknown action when clicked (its renderer knows the type, so the fallback is never used), so
/// the web chat gets plain <c>Action.Submit</c> buttons.
/// </summary>
public static class PlanAdaptiveCard
{
    public const string ContentType = "application/vnd.microsoft.card.adaptive";

    public static Attachment ToAttachment(PlanCard plan, bool universalActions) =>
        new(ContentType, System.Text.Json.JsonSerializer.SerializeToElement(Build(plan, universalActions)));

    public static JsonObject Build(PlanCard plan, bool universalActions = true)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = plan.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
            new JsonObject
            {
                ["type"] = "TextBlock",
                ["text"] = $"{plan.Status} · {plan.Broker}{(plan.IsPaper ? " (paper, no real money)" : "")} · plan {plan.ShortId}",
                ["isSubtle"] = true, ["spacing"] = "None", ["wrap"] = true,
            },
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray(plan.Orders.Select((o, i) => (JsonNode)new JsonObject
                {
                    ["title"] = (i + 1).ToString(CultureInfo.InvariantCulture),
                    ["value"] = o.Result is null ? o.Describe() : $"{o.Describe()} — {o.Result}",
                }).ToArray()),
            },
            new JsonObject { ["type"] = "TextBlock", ["text"] = plan.Rationale, ["wrap"] = true },
        };
        if (plan.RiskNotes.Count > 0)
        {
            body.Add(new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = "Risk notes: " + string.Join(" ", plan.RiskNotes),
                ["wrap"] = true, ["isSubtle"] = true, ["size"] = "Small",
            });
        }
        body.Add(plan.Outcome is { } outcome
            ? new JsonObject { ["type"] = "TextBlock", ["text"] = outcome, ["wrap"] = true, ["weight"] = "Bolder" }
            : new JsonObject
            {
                ["type"] = "TextBlock", ["text"] = $"Expires {plan.ExpiresAt.ToUniversalTime():HH:mm} UTC. Nothing is sent to the broker until you approve.",
                ["wrap"] = true, ["isSubtle"] = true, ["size"] = "Small",
            });

        var card = new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.5",
            ["body"] = body,
        };
        if (plan.Actions.Count > 0)
        {
            card["actions"] = new JsonArray(plan.Actions.Select(a => (JsonNode)(universalActions ? Action(a) : Submit(a))).ToArray());
        }
        return card;
    }

    private static JsonObject Action(PlanCardAction action) => new()
    {
        ["type"] = "Action.Execute",
        ["title"] = action.Label,
        ["verb"] = "plan." + action.Operation,
        ["data"] = Data(action),
        ["style"] = Style(action),
        ["fallback"] = Submit(action),
    };

    private static JsonObject Submit(PlanCardAction action) => new()
    {
        ["type"] = "Action.Submit",
        ["title"] = action.Label,
        ["data"] = Data(action),
        ["style"] = Style(action),
    };

    private static JsonObject Data(PlanCardAction action) => new() { ["action"] = action.Command, ["args"] = action.Arguments };

    private static string Style(PlanCardAction action) => action.Destructive ? "destructive" : "positive";
}
