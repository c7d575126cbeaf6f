using System.Text.RegularExpressions;
using Bot.Speech;

namespace Bot.Tests.Unit.Speech;

public class CommandGrammarTests
{
    private static readonly string[] Held = ["VTI", "SCHD"];

    private static string? Read(string spoken) => CommandGrammar.Interpret(CommandGrammar.Words(spoken), Held);

    [Theory]
    [InlineData("buy ten shares of apple limit one ninety", "/buy 10 AAPL limit 190")]
    [InlineData("sell five shares of microsoft limit four ten", "/sell 5 MSFT limit 410")]
    [InlineData("buy twenty v. t. i.", "/buy 20 VTI market")]
    [InlineData("buy one hundred and fifty shares of s. c. h. d. at one eighty five", "/buy 150 SCHD limit 185")]
    [InlineData("buy two thousand shares of apple limit four hundred and eight", "/buy 2000 AAPL limit 408")]
    [InlineData("show my portfolio", "/portfolio")]
    [InlineData("how is my portfolio doing", "/portfolio")]
    [InlineData("what is the price of tesla", "/quote TSLA")]
    [InlineData("alert me when apple goes below one eighty", "/alert AAPL below 180")]
    [InlineData("invest five hundred dollars in v. t. i. monthly on the twenty first", "/dca 500 VTI monthly 21")]
    [InlineData("invest fifty dollars in apple weekly on friday", "/dca 50 AAPL weekly fri")]
    [InlineData("schedule my portfolio weekdays at eight a.m.", "/schedule weekdays 08:00 /portfolio")]
    [InlineData("schedule my balances on monday at six thirty p.m.", "/schedule mon 18:30 /balances")]
    [InlineData("show my transactions for the last thirty days", "/transactions 30d")]
    [InlineData("new thread", "/new")]
    public void A_spoken_command_reads_as_the_typed_one(string spoken, string command) =>
        Assert.Equal(command, Read(spoken));

    [Theory]
    [InlineData("buy ten shares of")]                       // no symbol
    [InlineData("buy shares of apple")]                     // no amount
    [InlineData("buy ten shares of apple limit")]           // no price
    [InlineData("show my portfolio please")]                // words after the command
    [InlineData("what do you think about the weather")]     // free speech
    [InlineData("buy ten shares of x. y. z.")]              // a symbol neither common nor held
    [InlineData("sell four hundred eight apple")]           // "hundred eight" is not how the grammar says 408
    [InlineData("")]
    public void Anything_else_is_not_a_command(string spoken) =>
        Assert.Null(Read(spoken));

    [Fact]
    public void The_grammar_names_the_held_symbols_letter_by_letter_and_the_common_ones_by_name()
    {
        var grammar = CommandGrammar.Build(["SCHD", "BRK.B", "vxus"]);
        Assert.StartsWith("#JSGF V1.0;", grammar, StringComparison.Ordinal);
        Assert.Contains("s. c. h. d.", grammar, StringComparison.Ordinal);
        Assert.Contains("v. x. u. s.", grammar, StringComparison.Ordinal);
        Assert.Contains("<symbol> = apple |", grammar, StringComparison.Ordinal);
        Assert.DoesNotContain("b. r. k.", grammar, StringComparison.Ordinal); // not speakable letter by letter: left out
    }

    [Fact]
    public void Every_word_of_the_grammar_is_in_the_recognisers_dictionary()
    {
        const string dictionary = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
        Assert.True(File.Exists(dictionary), "pocketsphinx-en-us is not installed (./bot test installs it)");
        var known = File.ReadLines(dictionary).Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        var body = string.Join('\n', CommandGrammar.Build(Held).Split('\n').Skip(2).Select(l => l.Contains('=') ? l[(l.IndexOf('=') + 1)..] : l));
        var words = Regex.Replace(body, @"<[^>]+>", " ").Split([' ', '|', '(', ')', '[', ']', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        Assert.True(words.Count > 100);
        Assert.DoesNotContain(words, w => !known.Contains(w));
    }

    [Fact]
    public void What_was_heard_is_shown_with_spelled_symbols_joined() =>
        Assert.Equal("buy twenty VTI limit one ninety", CommandGrammar.Display(CommandGrammar.Words("buy twenty v. t. i. limit one ninety")));

    [Theory]
    [InlineData("one ninety", true, 190)]
    [InlineData("four ten", true, 410)]
    [InlineData("one eighty five", true, 185)]
    [InlineData("seventy two", false, 72)]
    [InlineData("three hundred", false, 300)]
    [InlineData("two thousand five hundred", false, 2500)]
    public void Numbers_are_read_as_they_are_said(string spoken, bool pairs, int value)
    {
        var position = 0;
        var words = CommandGrammar.Words(spoken);
        Assert.Equal(value, SpokenNumbers.Read(words, ref position, pairs));
        Assert.Equal(words.Count, position);
    }
}
