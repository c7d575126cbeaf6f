using System.Text.Json.Nodes;
using Bot.Pipeline.Model;
using Bot.Channels.Slack;

namespace Bot.Tests.Unit.Slack;

public class SlackRenderingTests
{
    [Fact]
    public void Markdown_becomes_mrkdwn_with_reserved_characters_escaped()
    {
        var mrkdwn = SlackMrkdwn.FromMarkdown("# Cash\n**Total** is <5 & >3, *roughly*.\n- see [the docs](https://example.com/a)\n`a<b`");
        Assert.Equal("*Cash*\n*Total* is &lt;5 &amp; &gt;3, _roughly_.\n• see <https://example.com/a|the docs>\n`a&lt;b`", mrkdwn);
    }

    [Fact]
    public void Long_text_is_split_under_the_limit_at_paragraphs()
    {
        var paragraph = string.Join(' ', Enumerable.Repeat("word", 200));
        var text = string.Join("\n\n", Enumerable.Repeat(paragraph, 10));
        var pieces = SlackMrkdwn.Split(text, 2000);
        Assert.True(pieces.Count > 1);
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, 2000));
        Assert.Equal(text.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal),
            string.Concat(pieces).Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Splitting_never_cuts_an_escape()
    {
        var text = new string('x', 95) + "&amp;&amp;" + new string('y', 50);
        var pieces = SlackMrkdwn.Split(text, 100);
        Assert.All(pieces, p => Assert.DoesNotMatch("&[a-z]*$", p));
    }

    internal static Card Card(bool decided = false) => new()
    {
        Key = "plan:ab12",
        Title = "Trade plan: buy 5 AAPL",
        Status = decided ? "Filled" : "Waiting for your approval",
        Labels = ["paper broker (paper, no real money)", "plan ab12"],
        Items = ["BUY 5 AAPL limit 190.00 (day) ≈ 950.00 USD" + (decided ? " — filled 5 at 190.00" : "")],
        Body = "Rebalance <tech> & more",
        Notes = ["Risk note: Near the daily limit"],
        Footer = decided ? null : "Expires 12:15 UTC. Nothing is sent to the broker until you approve.",
        Outcome = decided ? "Filled" : null,
        Buttons = decided ? [] : [
            new CardButton("Approve", "plan.approve", "/plan", "approve ab12 f00d", false, "Send 1 order to the paper broker (paper, no real money)?"),
            new CardButton("Decline", "plan.decline", "/plan", "decline ab12 f00d", true, null),
        ],
    };

    [Fact]
    public void An_open_plan_has_approve_with_a_confirm_dialog_and_decline()
    {
        var blocks = SlackBlocks.Card(Card());
        Assert.Equal(["header", "section", "context", "actions"], blocks.Select(b => (string)b!["type"]!).ToArray());
        var buttons = blocks[^1]!["elements"]!.AsArray();
        var approve = buttons[0]!;
        Assert.Equal("primary", (string)approve["style"]!);
        Assert.Equal("/plan approve ab12 f00d", (string)approve["value"]!);
        Assert.Equal("plain_text", (string)approve["confirm"]!["text"]!["type"]!);
        Assert.Contains("paper", (string)approve["confirm"]!["text"]!["text"]!, StringComparison.Ordinal);
        Assert.NotNull(approve["confirm"]!["confirm"]);
        Assert.NotNull(approve["confirm"]!["deny"]);
        var decline = buttons[1]!;
        Assert.Equal("danger", (string)decline["style"]!);
        Assert.Null(decline["confirm"]);
        Assert.Equal("/plan decline ab12 f00d", (string)decline["value"]!);
        Assert.Contains("Rebalance &lt;tech&gt; &amp; more", blocks[2]!.ToJsonString().Replace("\\u0026", "&", StringComparison.Ordinal).Replace("\\u003C", "<", StringComparison.Ordinal).Replace("\\u003E", ">", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_decided_plan_has_no_buttons_and_shows_its_outcome()
    {
        var blocks = SlackBlocks.Card(Card(decided: true));
        Assert.DoesNotContain(blocks, b => (string)b!["type"]! == "actions");
        Assert.Contains("Outcome", blocks.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_button_value_over_2000_characters_is_refused()
    {
        var card = Card() with { Buttons = [new CardButton("Approve", "plan.approve", "/plan", new string('x', 2000), false, null)] };
        Assert.Throws<InvalidOperationException>(() => SlackBlocks.Card(card));
    }
}
