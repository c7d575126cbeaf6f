using System.Text.RegularExpressions;

namespace Bot.Agent.Llm;

/// <summary>
/// Removes the model's private reasoning blocks (<c>&lt;think&gt;</c>, <c>&lt;thinking&gt;</c>, <c>&lt;antthinking&gt;</c>)
/// from text that is stored or sent. An unclosed block (a stream cut mid-thought) is removed to the end.
/// </summary>
public static partial class ThinkingFilter
{
    [GeneratedRegex(@"<(think|thinking|antthinking)\b[^>]*>.*?(</\1\s*>|\z)", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Blocks();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ExtraBlankLines();

    public static string Strip(string text)
    {
        if (text.IndexOf('<', StringComparison.Ordinal) < 0)
        {
            return text;
        }
        var stripped = Blocks().Replace(text, string.Empty);
        return ExtraBlankLines().Replace(stripped, "\n\n").Trim();
    }
}
