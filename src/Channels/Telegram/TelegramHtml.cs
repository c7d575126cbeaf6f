using System.Text;

namespace Bot.Channels.Telegram;

/// <summary>
/// Markdown (as the agent writes it) to Telegram's HTML parse mode: <c>**bold**</c>, <c>_italic_</c>, <c>`code`</c>,
/// fenced code, <c>[text](url)</c>, bullets and headings. Everything else is text, escaped. Output is split into
/// messages under the 4,096-character limit on line boundaries; each part has balanced tags of its own.
/// </summary>
public static class TelegramHtml
{
    public const int MaxMessageLength = 4096;

    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    public static IReadOnlyList<string> Render(string markdown, int limit = MaxMessageLength)
    {
        var units = new List<string>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                var code = new List<string>();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
                {
                    code.Add(lines[i]);
                }
                units.AddRange(CodeBlocks(code, limit));
                continue;
            }
            var html = RenderLine(lines[i]);
            units.AddRange(html.Length <= limit ? [html] : HardSplit(lines[i], limit));
        }
        return Pack(units, limit);
    }

    /// <summary>
    /// One rendered part without its markup: what is sent in its place when Telegram rejects its entities. Part for part,
    /// so a reply keeps its number of parts (and each part its index) whichever way a part went out. A link keeps its
    /// address in brackets after its label, unless that would take the part over <paramref name="limit"/>.
    /// </summary>
    public static string Plain(string html, int limit = MaxMessageLength)
    {
        var withLinks = Unmarked(html, keepLinks: true);
        return withLinks.Length <= limit ? withLinks : Unmarked(html, keepLinks: false);
    }

    /// <summary>Drops the tags this class writes and decodes its escapes (every '&lt;' in its output opens a tag).</summary>
    private static string Unmarked(string html, bool keepLinks)
    {
        var text = new StringBuilder(html.Length);
        string? link = null;
        var labelStart = 0;
        var i = 0;
        while (i < html.Length)
        {
            var open = html.IndexOf('<', i);
            var end = open < 0 ? -1 : html.IndexOf('>', open);
            if (end < 0)
            {
                text.Append(Unescape(html[i..]));
                break;
            }
            text.Append(Unescape(html[i..open]));
            var tag = html[(open + 1)..end];
            if (tag.StartsWith("a href=\"", StringComparison.Ordinal) && tag.EndsWith('"'))
            {
                link = Unescape(tag[8..^1]);
                labelStart = text.Length;
            }
            else if (tag == "/a" && link is not null)
            {
                if (keepLinks && text.ToString(labelStart, text.Length - labelStart) != link)
                {
                    text.Append(" (").Append(link).Append(')');
                }
                link = null;
            }
            i = end + 1;
        }
        return text.ToString();
    }

    private static string Unescape(string text) =>
        text.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal)
            .Replace("&quot;", "\"", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);

    private static List<string> Pack(List<string> units, int limit)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        foreach (var unit in units)
        {
            if (current.Length > 0 && current.Length + 1 + unit.Length > limit)
            {
                parts.Add(current.ToString().Trim('\n'));
                current.Clear();
            }
            if (current.Length > 0)
            {
                current.Append('\n');
            }
            current.Append(unit);
        }
        if (current.ToString().Trim('\n').Length > 0)
        {
            parts.Add(current.ToString().Trim('\n'));
        }
        return parts.Where(p => p.Trim().Length > 0).ToList();
    }

    private static IEnumerable<string> CodeBlocks(List<string> code, int limit)
    {
        const int overhead = 11; // <pre></pre>
        var block = new StringBuilder();
        foreach (var piece in code.SelectMany(line => Escape(line).Length + overhead <= limit ? [Escape(line)] : Chunks(line, limit - overhead, c => Escape(c.ToString()))))
        {
            if (block.Length > 0 && block.Length + 1 + piece.Length + overhead > limit)
            {
                yield return $"<pre>{block}</pre>";
                block.Clear();
            }
            block.Append(block.Length > 0 ? "\n" : string.Empty).Append(piece);
        }
        yield return $"<pre>{block}</pre>";
    }

    private static IEnumerable<string> HardSplit(string line, int limit) => Chunks(line, limit, c => Escape(c.ToString()));

    /// <summary>Cuts text into pieces whose rendered length fits, never inside an escape or a surrogate pair.</summary>
    private static List<string> Chunks(string text, int limit, Func<string, string> render)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var unit = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? text.Substring(i++, 2) : text[i].ToString();
            var rendered = render(unit);
            if (current.Length + rendered.Length > limit)
            {
                pieces.Add(current.ToString());
                current.Clear();
            }
            current.Append(rendered);
        }
        if (current.Length > 0)
        {
            pieces.Add(current.ToString());
        }
        return pieces;
    }

    private static string RenderLine(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#'))
        {
            var title = trimmed.TrimStart('#').Trim();
            return title.Length > 0 ? $"<b>{Inline(title)}</b>" : Escape(line);
        }
        if (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed.StartsWith("* ", StringComparison.Ordinal))
        {
            return "• " + Inline(trimmed[2..]);
        }
        return Inline(line);
    }

    /// <summary>Inline markup; an unclosed marker is text. Markers do not nest into each other's content except bold/italic text.</summary>
    public static string Inline(string text)
    {
        var html = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '`' && Find(text, "`", i + 1) is { } codeEnd)
            {
                html.Append("<code>").Append(Escape(text[(i + 1)..codeEnd])).Append("</code>");
                i = codeEnd + 1;
            }
            else if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '*' && Find(text, "**", i + 2) is { } boldEnd && boldEnd > i + 2)
            {
                html.Append("<b>").Append(Plain(text[(i + 2)..boldEnd])).Append("</b>");
                i = boldEnd + 2;
            }
            else if (text[i] is '_' or '*' && (i == 0 || !char.IsLetterOrDigit(text[i - 1])) && Find(text, text[i].ToString(), i + 1) is { } italicEnd
                && italicEnd > i + 1 && (italicEnd + 1 >= text.Length || !char.IsLetterOrDigit(text[italicEnd + 1])))
            {
                html.Append("<i>").Append(Plain(text[(i + 1)..italicEnd])).Append("</i>");
                i = italicEnd + 1;
            }
            else if (text[i] == '[' && Link(text, i) is { } link)
            {
                html.Append("<a href=\"").Append(Escape(link.Url).Replace("\"", "&quot;", StringComparison.Ordinal)).Append("\">").Append(Escape(link.Label)).Append("</a>");
                i = link.End;
            }
            else
            {
                html.Append(Escape(text[i].ToString()));
                i++;
            }
        }
        return html.ToString();
    }

    /// <summary>Bold and italic content: code spans inside are kept, other markers are text (no nesting surprises).</summary>
    private static string Plain(string text) => Escape(text.Replace("`", string.Empty, StringComparison.Ordinal));

    private static int? Find(string text, string marker, int from)
    {
        var at = from < text.Length ? text.IndexOf(marker, from, StringComparison.Ordinal) : -1;
        return at >= 0 ? at : null;
    }

    private static (string Label, string Url, int End)? Link(string text, int start)
    {
        var close = text.IndexOf("](", start, StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }
        var end = text.IndexOf(')', close + 2);
        if (end < 0)
        {
            return null;
        }
        var url = text[(close + 2)..end];
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? (text[(start + 1)..close], url, end + 1)
            : null;
    }
}
