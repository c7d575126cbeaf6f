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

    private static readonly string[] OpeningTags = ["<think", "<thinking", "<antthinking"];

    /// <summary>
    /// For text still streaming in: <see cref="Strip"/>, and also holds back a trailing fragment that may be the
    /// start of a reasoning tag (<c>&lt;thin</c>), which the next chunk will complete or disprove.
    /// </summary>
    public static string StripPartial(string text)
    {
        var stripped = Strip(text);
        var lastOpen = stripped.LastIndexOf('<');
        if (lastOpen < 0 || stripped.IndexOf('>', lastOpen) >= 0)
        {
            return stripped;
        }
        var tail = stripped[lastOpen..];
        return OpeningTags.Any(tag => tag.StartsWith(tail, StringComparison.OrdinalIgnoreCase) || tail.StartsWith(tag, StringComparison.OrdinalIgnoreCase))
            ? stripped[..lastOpen].TrimEnd()
            : stripped;
    }

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
