using Bot.Agent.Commands;
using Bot.Pipeline.Threads;

namespace Bot.Tests.Unit;

public class CommandParsingTests
{
    [Theory]
    [InlineData("/help", "/help", "")]
    [InlineData("  /THREADS  ", "/threads", "")]
    [InlineData("/buy 10 AAPL limit 190", "/buy", "10 AAPL limit 190")]
    [InlineData("/new@FinanceBot", "/new", "")]
    [InlineData("hello there", "hello", "there")]
    [InlineData("", "", "")]
    public void Split_separates_the_command_from_its_argument(string text, string command, string argument)
    {
        var (c, a) = CommandAgent.Split(text.Trim());
        Assert.Equal(command, c);
        Assert.Equal(argument, a);
    }

    [Fact]
    public void Title_is_the_first_message_collapsed()
    {
        Assert.Equal("How much did I spend on food?", ThreadTitles.FromFirstMessage("  How much did I\n spend   on food?  "));
        Assert.Null(ThreadTitles.FromFirstMessage("   "));
    }

    [Fact]
    public void Long_title_is_cut_on_a_word_boundary_with_an_ellipsis()
    {
        var title = ThreadTitles.FromFirstMessage(string.Join(' ', Enumerable.Repeat("portfolio", 20)))!;
        Assert.True(title.Length <= ThreadTitles.MaxLength);
        Assert.EndsWith("portfolio…", title, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_title_without_spaces_is_cut_hard()
    {
        var title = ThreadTitles.FromFirstMessage(new string('x', 500))!;
        Assert.Equal(ThreadTitles.MaxLength, title.Length);
    }
}
