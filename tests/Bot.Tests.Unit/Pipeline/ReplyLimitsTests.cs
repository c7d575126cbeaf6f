using Bot.Channels.Slack;
using Bot.Channels.Telegram;
using Bot.Pipeline;

namespace Bot.Tests.Unit.Pipeline;

public class ReplyLimitsTests
{
    private static readonly string Paragraphs = string.Join("\n\n", Enumerable.Range(0, 2_000).Select(i => $"Paragraph {i}: some words about it."));

    [Fact]
    public void A_reply_within_the_cap_is_left_alone()
    {
        Assert.Same(Paragraphs, ReplyLimits.Shorten(Paragraphs, Paragraphs.Length));
    }

    [Fact]
    public void A_longer_reply_is_cut_at_a_paragraph_break_and_says_it_was_shortened()
    {
        var shortened = ReplyLimits.Shorten(Paragraphs, 20_000);
        Assert.InRange(shortened.Length, 10_000, 20_000);
        Assert.EndsWith("\n\n" + ReplyLimits.ShortenedNote, shortened, StringComparison.Ordinal);
        var kept = shortened[..^(ReplyLimits.ShortenedNote.Length + 2)];
        Assert.StartsWith(kept + "\n\n", Paragraphs, StringComparison.Ordinal);
        // The same text and cap always give the same cut (parts keep their indexes across retries).
        Assert.Equal(shortened, ReplyLimits.Shorten(Paragraphs, 20_000));
    }

    [Fact]
    public void A_cut_inside_a_code_block_closes_it_and_never_splits_a_surrogate_pair()
    {
        var code = "Here:\n```\n" + string.Concat(Enumerable.Repeat("x = 1;\n", 1_000)) + "```\nAfter.";
        var shortened = ReplyLimits.Shorten(code, 1_000);
        Assert.True(shortened.Length <= 1_000);
        Assert.Contains("\n```\n\n" + ReplyLimits.ShortenedNote, shortened, StringComparison.Ordinal);

        var emoji = string.Concat(Enumerable.Repeat("😀", 1_000));
        var cut = ReplyLimits.Shorten(emoji, 777);
        Assert.True(cut.Length <= 777);
        var body = cut[..^(ReplyLimits.ShortenedNote.Length + 2)];
        Assert.False(char.IsHighSurrogate(body[^1]));
        Assert.Equal(0, body.Length % 2);
    }

    [Fact]
    public void A_half_million_character_echo_becomes_a_few_posts()
    {
        var echo = string.Concat(Enumerable.Repeat("echo & <echo> ", 500_000 / 14));
        var capped = ReplyLimits.Shorten(echo, 20_000);
        Assert.True(capped.Length <= 20_000);
        var slack = ReplyLimits.FitParts(capped, 8, text => SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(text)));
        var telegram = ReplyLimits.FitParts(capped, 8, text => TelegramHtml.Render(text));
        Assert.InRange(slack.Count, 2, 8);
        Assert.InRange(telegram.Count, 2, 8);
        Assert.Contains("shortened", slack[^1], StringComparison.Ordinal);
        Assert.Contains("shortened", telegram[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Parts_beyond_the_cap_shorten_the_reply_until_it_fits(int maxParts)
    {
        // Escapes grow this text fourfold in Telegram HTML: its character count alone says nothing of its parts.
        var text = new string('<', 30_000);
        var parts = ReplyLimits.FitParts(text, maxParts, markdown => TelegramHtml.Render(markdown));
        Assert.InRange(parts.Count, 1, maxParts);
        Assert.All(parts, p => Assert.InRange(p.Length, 1, TelegramHtml.MaxMessageLength));
        Assert.EndsWith(TelegramHtml.Render(ReplyLimits.ShortenedNote)[0], parts[^1], StringComparison.Ordinal);
        Assert.Equal(parts, ReplyLimits.FitParts(text, maxParts, markdown => TelegramHtml.Render(markdown)));
    }
}
