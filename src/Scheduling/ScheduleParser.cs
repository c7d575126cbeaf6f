using Quartz;

namespace Bot.Scheduling;

/// <summary>
/// Parses <c>/schedule WHEN [ZONE] [TITLE:] PROMPT</c>. WHEN is <c>daily 08:00</c>, <c>weekdays 8am</c>,
/// <c>weekends 10:30</c>, days (<c>mon,wed,fri 18:00</c>, <c>mon-fri 08:00</c>, <c>friday 17:00</c>), <c>hourly</c>,
/// <c>every 30m</c> (s, m, h, d), or <c>cron</c> with five Unix fields or a quoted Quartz expression. ZONE is an IANA id.
/// Pure: no clock, no database.
/// </summary>
public static partial class ScheduleParser
{
    public const int MaxTitleLength = 80;
    public const int MaxPromptLength = 2_000;

    public const string Syntax =
        "`/schedule WHEN [TIME ZONE] [TITLE:] WHAT`, for example:\n" +
        "- `/schedule weekdays 08:00 Europe/Berlin Morning briefing: /portfolio`\n" +
        "- `/schedule daily 18:30 /balances`\n" +
        "- `/schedule mon,thu 9am America/New_York weekly review`\n" +
        "- `/schedule every 30m /quote AAPL`\n" +
        "- `/schedule cron 0 8 1 * * UTC month start: /transactions`\n\n" +
        "WHEN is `daily`, `weekdays`, `weekends`, day names (`mon-fri`, `tue,thu`, `friday`) with a time, `hourly`, " +
        "`every N` with `s`, `m`, `h` or `d`, or `cron` with five fields (minute hour day month weekday) or a quoted Quartz expression.";

    public static ScheduleCommandRequest Parse(string argument)
    {
        var tokens = Tokenize(argument);
        if (tokens.Count == 0 || tokens[0].Text.Equals("help", StringComparison.OrdinalIgnoreCase))
        {
            return new ScheduleCommandRequest.Help();
        }
        var verb = tokens[0].Text.ToLowerInvariant();
        if (verb is "pause" or "resume" or "delete" or "remove" or "cancel")
        {
            return tokens.Count == 2
                ? new ScheduleCommandRequest.Manage(verb is "remove" or "cancel" ? "delete" : verb, tokens[1].Text.TrimStart('#'))
                : new ScheduleCommandRequest.Invalid($"Say which schedule to {verb}: `/schedule {verb} CODE`, with the code `/schedules` shows.");
        }

        var position = 0;
        var when = ParseWhen(argument, tokens, ref position, out var error);
        if (when is null)
        {
            return new ScheduleCommandRequest.Invalid(error!);
        }

        string? zoneId = null;
        if (position < tokens.Count && TimeZones.LooksLikeZone(tokens[position].Text))
        {
            if (!TimeZones.TryFind(tokens[position].Text, out _, out var iana))
            {
                return new ScheduleCommandRequest.Invalid(
                    $"`{tokens[position].Text}` is not a time zone I know. Use an IANA name such as `Europe/Berlin`, `America/New_York`, `Asia/Tokyo` or `UTC`.");
            }
            zoneId = iana;
            position++;
        }

        var rest = position < tokens.Count ? argument[tokens[position].Start..].Trim() : string.Empty;
        if (rest.Length == 0)
        {
            return new ScheduleCommandRequest.Invalid($"Say what to send {when.Description}, for example `/schedule daily 18:30 /balances` or `/schedule weekdays 08:00 Morning briefing: /portfolio`.");
        }
        var (title, prompt) = SplitTitle(rest);
        if (prompt.Length == 0)
        {
            return new ScheduleCommandRequest.Invalid($"“{title}” needs something to send after the colon, for example `{title}: /portfolio`.");
        }
        if (title.Length > MaxTitleLength)
        {
            return new ScheduleCommandRequest.Invalid($"The title is longer than {MaxTitleLength} characters; keep it short.");
        }
        if (prompt.Length > MaxPromptLength)
        {
            return new ScheduleCommandRequest.Invalid($"What to send is longer than {MaxPromptLength} characters.");
        }
        return new ScheduleCommandRequest.Create(when, zoneId, title, prompt);
    }

    /// <summary>Reads a cron expression: five fields are Unix crontab, six or seven are Quartz's own (seconds first).</summary>
    public static bool TryParseCron(string text, out CronExpression? expression, out string? error)
    {
        expression = null;
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6 or 7))
        {
            error = $"`{text}` is not a cron expression: it has {fields.Length} field{(fields.Length == 1 ? "" : "s")}. Use five (minute hour day-of-month month day-of-week, e.g. `0 8 * * 1-5`) or Quartz's six or seven (seconds first).";
            return false;
        }
        var normalized = string.Join(' ', fields);
        try
        {
            expression = CronExpression.Parse(normalized, fields.Length == 5 ? CronFormat.Unix : CronFormat.Quartz);
            error = null;
            return true;
        }
        catch (FormatException exception)
        {
            error = $"`{normalized}` is not a cron expression I can read: {exception.Message.TrimEnd('.')}. Five fields are minute hour day-of-month month day-of-week, e.g. `0 8 * * 1-5`.";
            return false;
        }
    }

    /// <summary>A title for a prompt that has none: the prompt itself, shortened (<c>/portfolio</c> becomes <c>Portfolio</c>).</summary>
    public static string TitleFor(string prompt)
    {
        var text = prompt.Trim();
        if (text.StartsWith('/'))
        {
            text = text[1..];
        }
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length > 60)
        {
            var cut = text.LastIndexOf(' ', 59);
            text = (cut > 30 ? text[..cut] : text[..59]) + "…";
        }
        return text.Length == 0 ? "Scheduled message" : char.ToUpperInvariant(text[0]) + text[1..];
    }

    private static (string Title, string Prompt) SplitTitle(string rest)
    {
        var colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && !rest.StartsWith('/'))
        {
            return (rest[..colon].Trim(), rest[(colon + 2)..].Trim());
        }
        if (rest.EndsWith(':'))
        {
            return (rest.TrimEnd(':').Trim(), string.Empty);
        }
        return (TitleFor(rest), rest);
    }

    private readonly record struct Token(string Text, int Start);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i > start)
            {
                tokens.Add(new Token(text[start..i], start));
            }
        }
        return tokens;
    }
}
