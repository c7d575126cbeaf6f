using Bot.BotHost.Endpoints;
using Bot.Pipeline.Threads;

namespace Bot.Tests.Unit.Pipeline;

public class ThreadTitlesTests
{
    [Theory]
    [InlineData("/buy", "10 AAPL", "Buy 10 AAPL")]
    [InlineData("/portfolio", "", "Portfolio")]
    [InlineData("/quote", "MSFT", "Quote MSFT")]
    [InlineData("/transactions", "last  month\nplease", "Transactions last month please")]
    public void A_command_names_its_thread(string command, string argument, string title) =>
        Assert.Equal(title, ThreadTitles.FromCommand(command, argument));

    [Theory]
    [InlineData("/help")]
    [InlineData("/start")]
    [InlineData("/new")]
    [InlineData("/threads")]
    [InlineData("/web")]
    [InlineData("/connect")]
    [InlineData("/")]
    [InlineData("buy")]
    public void Commands_that_say_nothing_of_the_thread_or_carry_a_secret_name_nothing(string command) =>
        Assert.Null(ThreadTitles.FromCommand(command, "123456"));

    [Fact]
    public void A_long_command_is_cut_at_a_word()
    {
        var title = ThreadTitles.FromCommand("/transactions", string.Join(' ', Enumerable.Repeat("groceries", 20)))!;
        Assert.True(title.Length <= ThreadTitles.MaxLength);
        Assert.EndsWith("groceries…", title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Quote MSFT", "quote-msft")]
    [InlineData("Fork of Où va l'argent ? 2026/12", "fork-of-ou-va-l-argent-2026-12")]
    [InlineData("../../etc/passwd\r\nX: y", "etc-passwd-x-y")]
    [InlineData("???", "thread")]
    public void Export_file_names_are_plain(string title, string name) =>
        Assert.Equal(name, ThreadExport.FileName(title));
}
