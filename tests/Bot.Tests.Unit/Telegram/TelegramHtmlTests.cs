using Bot.Channels.Telegram;

namespace Bot.Tests.Unit.Telegram;

public class TelegramHtmlTests
{
    [Fact]
    public void Markdown_becomes_escaped_telegram_html()
    {
        var html = Assert.Single(TelegramHtml.Render("**Plan** for <AAPL> & `a<b` _now_\n- one"));
        Assert.Equal("<b>Plan</b> for &lt;AAPL&gt; &amp; <code>a&lt;b</code> <i>now</i>\n• one", html);
    }

    [Theory]
    [InlineData("**bold _and_ `x` <i>injected</i>**")]
    [InlineData("<b>not a tag</b> & <script>")]
    [InlineData("**unclosed bold and _unclosed italic and `unclosed code")]
    [InlineData("[label](javascript:alert(1)) [ok](https://example.com/?a=1&b=\"2\")")]
    public void Hostile_input_yields_balanced_tags_and_no_raw_angle_brackets(string markdown)
    {
        foreach (var part in TelegramHtml.Render(markdown))
        {
            AssertBalanced(part);
        }
    }

    [Fact]
    public void A_ten_thousand_character_word_and_long_text_split_under_the_limit_on_safe_boundaries()
    {
        var word = string.Concat(Enumerable.Repeat("a&<", 3_334));
        var paragraphs = string.Join("\n\n", Enumerable.Range(0, 300).Select(i => $"**Line {i}** has `code` & <stuff>"));
        foreach (var text in new[] { word, paragraphs, "```\n" + word + "\n```" })
        {
            var parts = TelegramHtml.Render(text);
            Assert.True(parts.Count > 1);
            Assert.All(parts, p => Assert.InRange(p.Length, 1, TelegramHtml.MaxMessageLength));
            Assert.All(parts, AssertBalanced);
        }
        // The plain fallback goes part for part: the same text, the same number of parts, each under the limit.
        var plain = TelegramHtml.Render(word).Select(part => TelegramHtml.Plain(part)).ToList();
        Assert.Equal(word, string.Concat(plain));
        Assert.All(plain, p => Assert.True(p.Length <= TelegramHtml.MaxMessageLength));
    }

    [Fact]
    public void A_part_without_its_markup_is_its_text_with_link_addresses_kept()
    {
        var html = Assert.Single(TelegramHtml.Render("**Plan** for <AAPL> & `a<b` [docs](https://example.com/?a=1&b=2) [https://x.test](https://x.test)"));
        Assert.Equal("Plan for <AAPL> & a<b docs (https://example.com/?a=1&b=2) https://x.test", TelegramHtml.Plain(html));
        // Where the addresses would take the part over the limit, the labels alone.
        Assert.Equal("Plan for <AAPL> & a<b docs https://x.test", TelegramHtml.Plain(html, limit: 60));
    }

    /// <summary>Every tag opened is closed in order, and no '&lt;' or '&amp;' is left unescaped.</summary>
    private static void AssertBalanced(string html)
    {
        var stack = new Stack<string>();
        for (var i = 0; i < html.Length; i++)
        {
            if (html[i] == '<')
            {
                var end = html.IndexOf('>', i);
                Assert.True(end > i, html);
                var tag = html[(i + 1)..end];
                if (tag.StartsWith('/'))
                {
                    Assert.Equal(stack.Pop(), tag[1..]);
                }
                else
                {
                    var name = tag.Split(' ')[0];
                    Assert.Contains(name, new[] { "b", "i", "code", "pre", "a" });
                    stack.Push(name);
                }
                i = end;
            }
            else if (html[i] == '&')
            {
                Assert.Matches("^&(amp|lt|gt|quot);", html[i..Math.Min(html.Length, i + 6)]);
            }
        }
        Assert.Empty(stack);
    }
}
