namespace Bot.Pipeline;

/// <summary>
/// The caps on how much one reply may become on a platform (<see cref="PipelineOptions.MaxReplyCharacters"/> and
/// <see cref="PipelineOptions.MaxReplyParts"/>), so that a runaway reply (a 500,000-character echo) is a few messages,
/// not hundreds. Both cut the Markdown at a clean break and end it with <see cref="ShortenedNote"/>. Pure and
/// deterministic: the same text and limits always give the same cut, so the parts of a retried reply keep their indexes.
/// </summary>
public static class ReplyLimits
{
    /// <summary>What a shortened reply ends with (Markdown, rendered by each channel).</summary>
    public const string ShortenedNote = "_(This reply was too long and has been shortened.)_";

    private const string FenceClose = "\n```";

    /// <summary>
    /// The Markdown as is when it has at most <paramref name="maxCharacters"/> characters; otherwise cut at the last
    /// paragraph, line or word break that keeps at least half of the room (else mid-word, never inside a surrogate pair),
    /// a code block left open closed again, and the note appended. The result never exceeds the limit.
    /// </summary>
    public static string Shorten(string markdown, int maxCharacters)
    {
        if (markdown.Length <= maxCharacters)
        {
            return markdown;
        }
        var room = maxCharacters - ShortenedNote.Length - 2 - FenceClose.Length;
        if (room <= 0)
        {
            return ShortenedNote;
        }
        var kept = markdown[..CleanCut(markdown, room)].TrimEnd();
        if (InsideCodeBlock(kept))
        {
            kept += FenceClose;
        }
        return kept.Length == 0 ? ShortenedNote : kept + "\n\n" + ShortenedNote;
    }

    /// <summary>
    /// The parts <paramref name="split"/> makes of the Markdown, at most <paramref name="maxParts"/> of them: a text that
    /// needs more is shortened (as <see cref="Shorten"/> does) until its parts fit. Channels call it with their own
    /// rendering and splitting, which may grow the text (escapes, tags), so the character cap alone cannot bound the parts.
    /// </summary>
    public static IReadOnlyList<T> FitParts<T>(string markdown, int maxParts, Func<string, IReadOnlyList<T>> split)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParts, 1);
        var parts = split(markdown);
        var room = markdown.Length;
        while (parts.Count > maxParts && room > 0)
        {
            // Shrink in proportion to the overflow, and by at least a tenth each round: a few rounds at most.
            room = (int)Math.Min(room - Math.Max(1, room / 10), (long)room * maxParts / parts.Count);
            parts = split(Shorten(markdown, Math.Max(room, 0)));
        }
        return parts;
    }

    private static int CleanCut(string text, int room)
    {
        var window = text[..room];
        foreach (var separator in (string[])["\n\n", "\n", " "])
        {
            var at = window.LastIndexOf(separator, StringComparison.Ordinal);
            if (at >= room / 2)
            {
                return at;
            }
        }
        return char.IsHighSurrogate(text[room - 1]) ? room - 1 : room;
    }

    /// <summary>Whether the text ends inside a fenced code block (an odd number of fence lines).</summary>
    private static bool InsideCodeBlock(string text) =>
        text.Split('\n').Count(line => line.TrimStart().StartsWith("```", StringComparison.Ordinal)) % 2 == 1;
}
