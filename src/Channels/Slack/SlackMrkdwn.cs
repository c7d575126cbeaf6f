using System.Text;
using System.Text.RegularExpressions;

namespace Bot.Channels.Slack;

/// <summary>Markdown (what the agent writes) to Slack's mrkdwn, and splitting long text under Slack's limits.</summary>
public static partial class SlackMrkdwn
{
    /// <summary>Slack advises at most 4,000 characters of message text; a section block's text holds 3,000.</summary>
    public const int MaxMessageChars = 3_900;

    /// <summary>Escapes the three characters Slack reserves for its own markup.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    public static string FromMarkdown(string markdown)
    {
        var output = new StringBuilder(markdown.Length);
        var inFence = false;
        foreach (var rawLine in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (rawLine.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                output.Append("```").Append('\n');
                continue;
            }
            output.Append(inFence ? Escape(rawLine) : Line(rawLine)).Append('\n');
        }
        return output.ToString().TrimEnd('\n');
    }

    private static string Line(string line)
    {
        var heading = HeadingPattern().Match(line);
        if (heading.Success)
        {
            return "*" + Inline(heading.Groups[1].Value) + "*";
        }
        var bullet = BulletPattern().Match(line);
        if (bullet.Success)
        {
            return bullet.Groups[1].Value + "• " + Inline(bullet.Groups[2].Value);
        }
        return Inline(line);
    }

    /// <summary>Inline markup outside code spans: links, bold, italics, strike-through.</summary>
    private static string Inline(string text)
    {
        var parts = text.Split('`');
        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 1 && i < parts.Length - 1)
            {
                parts[i] = Escape(parts[i]);
                continue;
            }
            var part = Escape(parts[i]);
            part = LinkPattern().Replace(part, m => $"<{m.Groups[2].Value}|{m.Groups[1].Value}>");
            part = BoldPattern().Replace(part, m => "\u0001" + m.Groups[2].Value + "\u0001");
            part = ItalicPattern().Replace(part, m => "_" + m.Groups[1].Value + "_");
            part = StrikePattern().Replace(part, m => "~" + m.Groups[1].Value + "~");
            parts[i] = part.Replace('\u0001', '*');
        }
        return string.Join('`', parts);
    }

    /// <summary>Splits text into pieces of at most <paramref name="limit"/> characters, at paragraph, line or word breaks where it can.</summary>
    public static IReadOnlyList<string> Split(string text, int limit = MaxMessageChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 16);
        var pieces = new List<string>();
        var rest = text.Trim();
        while (rest.Length > limit)
        {
            var window = rest[..limit];
            var cut = window.LastIndexOf("\n\n", StringComparison.Ordinal);
            if (cut < limit / 2)
            {
                cut = window.LastIndexOf('\n');
            }
            if (cut < limit / 2)
            {
                cut = window.LastIndexOf(' ');
            }
            if (cut < limit / 2)
            {
                cut = limit;
                // Never cut an escape (&amp;) or a surrogate pair in two.
                var amp = window.LastIndexOf('&');
                if (amp > limit - 6 && window.IndexOf(';', amp) < 0)
                {
                    cut = amp;
                }
                else if (char.IsHighSurrogate(window[cut - 1]))
                {
                    cut--;
                }
            }
            pieces.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0 || pieces.Count == 0)
        {
            pieces.Add(rest);
        }
        return pieces;
    }

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(.*)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^(\s*)[-*+]\s+(.*)$")]
    private static partial Regex BulletPattern();

    [GeneratedRegex(@"\[([^\]]+)\]\((https?://[^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"(\*\*|__)(.+?)\1")]
    private static partial Regex BoldPattern();

    [GeneratedRegex(@"(?<![\w*])\*(?!\s)([^*]+?)\*(?![\w*])")]
    private static partial Regex ItalicPattern();

    [GeneratedRegex(@"~~(.+?)~~")]
    private static partial Regex StrikePattern();
}
