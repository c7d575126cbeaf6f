using System.Text.Json;
using Bot.Pipeline.Model;
using Bot.Channels.BotFramework;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Trading;

/// <summary>Every plan card we emit validates against Microsoft's Adaptive Cards 1.5 schema (checked with ajv).</summary>
public class PlanCardConformanceTests
{
    private static Card Card(string status, IReadOnlyList<CardButton> actions, string? outcome, params string[] orders) => new()
    {
        Key = "plan:k3x9q2mz",
        Title = "Trade plan: buy 5 AAPL",
        Status = status,
        Labels = ["paper broker (paper, no real money)", "plan k3x9q2mz"],
        Items = orders.Length > 0 ? orders : ["BUY 5 AAPL limit 190.00 (day) ≈ 950.00 USD"],
        Body = "Rebalance towards the target weight.",
        Notes = ["Risk note: The limit is 3.0% below the market; it may not fill today."],
        Footer = outcome is null ? "Expires 09:30 UTC. Nothing is sent to the broker until you approve." : null,
        Outcome = outcome,
        Buttons = actions,
    };

    private static readonly CardButton[] Buttons =
    [
        new("Approve", "plan.approve", "/plan", "approve k3x9q2mz 0123456789ab", false, "Send 1 order to the paper broker?"),
        new("Decline", "plan.decline", "/plan", "decline k3x9q2mz 0123456789ab", true, null),
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
                "BUY 2 MSFT limit 410.50 (gtc) ≈ 821.00 USD — filled 2 at 410.20",
                "SELL 3.5 NVDA market (day) ≈ 420.00 USD — working at the broker"),
        };
        var folder = Directory.CreateTempSubdirectory("plan-cards-");
        try
        {
            var files = new List<string>();
            for (var i = 0; i < cards.Length; i++)
            {
                var file = Path.Combine(folder.FullName, $"card-{i}.json");
                await File.WriteAllTextAsync(file, AdaptiveCardRenderer.Build(cards[i], universalActions: i != 1).ToJsonString());
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
            var card = AdaptiveCardRenderer.Build(Card("Waiting", Buttons, null));
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
        var action = AdaptiveCardRenderer.Build(Card("Waiting", Buttons, null))["actions"]![0]!;
        Assert.Equal("Action.Execute", action["type"]!.GetValue<string>());
        Assert.Equal("plan.approve", action["verb"]!.GetValue<string>());
        Assert.Equal("Action.Submit", action["fallback"]!["type"]!.GetValue<string>());
        Assert.Equal(action["data"]!.ToJsonString(), action["fallback"]!["data"]!.ToJsonString());
        Assert.Equal("/plan", action["data"]!["action"]!.GetValue<string>());
        Assert.Null(AdaptiveCardRenderer.Build(Card("Filled", [], "Done."))["actions"]);
    }
}
