using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Trading;

/// <summary>Every plan card we emit validates against Microsoft's Adaptive Cards 1.5 schema (checked with ajv).</summary>
public class PlanCardConformanceTests
{
    private static PlanCard Card(string status, IReadOnlyList<PlanCardAction> actions, string? outcome, params PlanCardOrder[] orders) => new(
        "k3x9q2mz", "Trade plan: buy 5 AAPL", status, orders.Length > 0 ? orders : [new PlanCardOrder("Buy", "AAPL", 5, "Limit", 190m, "Day", 950m, null)],
        "Rebalance towards the target weight.", ["The limit is 3.0% below the market; it may not fill today."],
        new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero), "paper broker", true, actions, outcome);

    private static readonly PlanCardAction[] Buttons =
    [
        new("Approve", "approve", "/plan", "approve k3x9q2mz 0123456789ab", false, "Send 1 order to the paper broker?"),
        new("Decline", "decline", "/plan", "decline k3x9q2mz 0123456789ab", true, null),
    ];

    [Fact]
    public async Task Proposed_decided_and_multi_order_cards_are_valid_adaptive_cards_1_5()
    {
        var cards = new[]
        {
            Card("Waiting for your approval", Buttons, null),
            Card("Waiting for your approval (web chat buttons)", Buttons, null),
            Card("Filled", [], "Filled at the paper broker (paper, no real money): BUY 5 AAPL: filled at 189.40."),
            Card("Expired", [], "Expired before it was approved."),
            Card("Partly filled", [], "Partly filled.",
                new PlanCardOrder("Buy", "MSFT", 2, "Limit", 410.5m, "Gtc", 821m, "filled 2 at 410.20"),
                new PlanCardOrder("Sell", "NVDA", 3.5m, "Market", null, "Day", 420m, "working at the broker")),
        };
        var folder = Directory.CreateTempSubdirectory("plan-cards-");
        try
        {
            var files = new List<string>();
            for (var i = 0; i < cards.Length; i++)
            {
                var file = Path.Combine(folder.FullName, $"card-{i}.json");
                await File.WriteAllTextAsync(file, PlanAdaptiveCard.Build(cards[i], universalActions: i != 1).ToJsonString());
                files.Add(file);
            }
            var schema = Path.Combine(RepoPaths.Conformance, "adaptivecards", "1.5.0", "adaptive-card.json");
            var run = await NodeScript.RunAsync("validate-json.mjs", [schema, .. files], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
            Assert.True(JsonDocument.Parse(run.StandardOutput).RootElement.GetProperty("valid").GetBoolean());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_validator_rejects_a_broken_card()
    {
        var folder = Directory.CreateTempSubdirectory("plan-cards-");
        try
        {
            var file = Path.Combine(folder.FullName, "broken.json");
            var card = PlanAdaptiveCard.Build(Card("Waiting", Buttons, null));
            card["version"] = 15; // a number where the schema wants a string
            card["body"]![0]!["type"] = "NoSuchElement";
            await File.WriteAllTextAsync(file, card.ToJsonString());
            var run = await NodeScript.RunAsync("validate-json.mjs", [Path.Combine(RepoPaths.Conformance, "adaptivecards", "1.5.0", "adaptive-card.json"), file], TimeSpan.FromSeconds(60));
            Assert.Equal(1, run.ExitCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Buttons_are_action_execute_with_an_action_submit_fallback_carrying_the_same_data()
    {
        var action = PlanAdaptiveCard.Build(Card("Waiting", Buttons, null))["actions"]![0]!;
        Assert.Equal("Action.Execute", action["type"]!.GetValue<string>());
        Assert.Equal("plan.approve", action["verb"]!.GetValue<string>());
        Assert.Equal("Action.Submit", action["fallback"]!["type"]!.GetValue<string>());
        Assert.Equal(action["data"]!.ToJsonString(), action["fallback"]!["data"]!.ToJsonString());
        Assert.Equal("/plan", action["data"]!["action"]!.GetValue<string>());
        Assert.Null(PlanAdaptiveCard.Build(Card("Filled", [], "Done."))["actions"]);
    }
}
