using System.Globalization;
using System.Text;
using Bot.Pipeline.Threads;

namespace Bot.BotHost.Endpoints;

/// <summary>A thread as a Markdown document a person can keep: its title, where and when it began, then each message.</summary>
public static class ThreadExport
{
    public static string Markdown(ThreadSummary thread, IReadOnlyList<ThreadEventView> events)
    {
        var md = new StringBuilder();
        md.Append("# ").AppendLine(OneLine(thread.Title)).AppendLine();
        md.Append(CultureInfo.InvariantCulture, $"_{thread.Channel} thread, started {Time(thread.CreatedAt)}, last active {Time(thread.UpdatedAt)}._").AppendLine();
        foreach (var e in events)
        {
            var who = e.Role switch
            {
                "user" => "You",
                "assistant" => "Assistant",
                _ => null,
            };
            var text = e.Text ?? (e.Action is { } action ? $"(pressed a button: {action.Name})" : null);
            if (who is null || string.IsNullOrWhiteSpace(text))
            {
                // Tool calls and their results are the bot's working, not the conversation.
                continue;
            }
            md.AppendLine().Append(CultureInfo.InvariantCulture, $"**{who}** · {Time(e.CreatedAt)}").AppendLine().AppendLine();
            md.AppendLine(text.TrimEnd());
        }
        return md.ToString();
    }

    /// <summary>A file name from the title: letters, digits and dashes only (so no header or path tricks), never empty.</summary>
    public static string FileName(string title)
    {
        var name = new StringBuilder();
        foreach (var c in title.Normalize(NormalizationForm.FormKD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(char.ToLowerInvariant(c));
            }
            else if (name.Length > 0 && name[^1] != '-' && (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c)))
            {
                name.Append('-');
            }
            if (name.Length >= 60)
            {
                break;
            }
        }
        var slug = name.ToString().Trim('-');
        return slug.Length == 0 ? "thread" : slug;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
