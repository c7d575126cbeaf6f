using Bot.Agent.Llm;

namespace Bot.Tests.Unit.Agent;

public class ThinkingFilterTests
{
    [Theory]
    [InlineData("<think>plan</think>Answer", "Answer")]
    [InlineData("Before <thinking>\nsecret\n</thinking>\n\nAfter", "Before \n\nAfter")]
    [InlineData("<antthinking>x</antthinking>Hi <ANTTHINKING>y</ANTTHINKING>there", "Hi there")]
    [InlineData("Cut mid-thought <thinking>still going", "Cut mid-thought")]
    [InlineData("a < b and <b>bold</b>", "a < b and <b>bold</b>")]
    [InlineData("No tags here", "No tags here")]
    [InlineData("<thinker>not a block</thinker>", "<thinker>not a block</thinker>")]
    public void Reasoning_blocks_are_removed(string input, string expected) => Assert.Equal(expected, ThinkingFilter.Strip(input));

    [Theory]
    [InlineData("Your balance <thin", "Your balance")]
    [InlineData("Your balance <ANTTHINK", "Your balance")]
    [InlineData("Your balance <thinking>half a thought", "Your balance")]
    [InlineData("a < b", "a < b")]
    [InlineData("see <b", "see <b")]
    [InlineData("done <thinking>x</thinking> now", "done  now")]
    public void Streaming_text_holds_back_what_may_open_a_reasoning_block(string input, string expected) =>
        Assert.Equal(expected, ThinkingFilter.StripPartial(input));
}
