using System.Globalization;
using System.Text.RegularExpressions;

namespace Bot.Scheduling;

/// <summary>The WHEN of <c>/schedule</c>: calendar rules with a time of day, intervals, and cron.</summary>
public static partial class ScheduleParser
{
    private static readonly string[] DayCodes = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    private static ScheduleWhen? ParseWhen(string argument, List<Token> tokens, ref int position, out string? error)
    {
        error = null;
        var head = tokens[position].Text.ToLowerInvariant();
        switch (head)
        {
            case "cron":
                position++;
                return ParseCron(argument, tokens, ref position, out error);
            case "hourly":
                position++;
                return new ScheduleWhen("0 0 * * * ?", null, "every hour, on the hour");
            case "daily" or "everyday":
                position++;
                return AtTime(tokens, ref position, "*", "every day", out error);
            case "weekdays":
                position++;
                return AtTime(tokens, ref position, "MON-FRI", "weekdays", out error);
            case "weekends":
                position++;
                return AtTime(tokens, ref position, "SAT,SUN", "weekends", out error);
            case "every":
                position++;
                return ParseEvery(tokens, ref position, out error);
        }
        if (TryReadDays(tokens, ref position, out var days, out var daysText, out error))
        {
            return AtTime(tokens, ref position, days!, daysText!, out error);
        }
        error ??= $"I couldn't tell when to send it from `{tokens[0].Text}`. Start with `daily`, `weekdays`, `weekends`, day names such as `mon,wed` or `friday`, `hourly`, `every 30m`, or `cron`.\n\n{Syntax}";
        return null;
    }

    private static ScheduleWhen? ParseEvery(List<Token> tokens, ref int position, out string? error)
    {
        error = null;
        if (position >= tokens.Count)
        {
            error = "Every how often? For example `every 30m`, `every 2h`, `every day 08:00` or `every monday 09:00`.";
            return null;
        }
        var word = tokens[position].Text.ToLowerInvariant();
        if (word is "day")
        {
            position++;
            return AtTime(tokens, ref position, "*", "every day", out error);
        }
        if (word is "weekday")
        {
            position++;
            return AtTime(tokens, ref position, "MON-FRI", "weekdays", out error);
        }
        if (word is "hour")
        {
            position++;
            return new ScheduleWhen("0 0 * * * ?", null, "every hour, on the hour");
        }
        var interval = IntervalPattern().Match(word);
        string unit;
        if (interval.Success)
        {
            unit = interval.Groups["unit"].Value;
            position++;
            if (unit.Length == 0)
            {
                if (position >= tokens.Count)
                {
                    error = $"Every {word} what? Add a unit: `every {word}m` (minutes), `{word}h` (hours), `{word}d` (days) or `{word}s` (seconds).";
                    return null;
                }
                unit = tokens[position].Text.ToLowerInvariant();
                position++;
            }
        }
        else if (TryReadDays(tokens, ref position, out var days, out var daysText, out error))
        {
            return AtTime(tokens, ref position, days!, daysText!, out error);
        }
        else
        {
            error ??= $"`every {tokens[position].Text}` is not an interval I can read. Use a number and a unit, such as `every 30m`, `every 2h` or `every 1d`.";
            return null;
        }

        if (!long.TryParse(interval.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            error = $"`every {interval.Groups["n"].Value}` needs a whole number above zero.";
            return null;
        }
        TimeSpan? length = unit switch
        {
            "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(count),
            "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(count),
            "h" or "hr" or "hrs" or "hour" or "hours" => TimeSpan.FromHours(count),
            "d" or "day" or "days" => TimeSpan.FromDays(count),
            _ => null,
        };
        if (length is null)
        {
            error = $"`{unit}` is not a unit I know for an interval: use `s`, `m`, `h` or `d` (seconds, minutes, hours, days).";
            return null;
        }
        if (length.Value > TimeSpan.FromDays(366))
        {
            error = "The longest interval is a year; for rarer messages use `cron`.";
            return null;
        }
        return new ScheduleWhen(null, length, "every " + Describe(length.Value));
    }

    private static ScheduleWhen? ParseCron(string argument, List<Token> tokens, ref int position, out string? error)
    {
        if (position >= tokens.Count)
        {
            error = "`cron` needs an expression: five fields (minute hour day-of-month month day-of-week), e.g. `/schedule cron 0 8 * * 1-5 Europe/Berlin /portfolio`, or a quoted Quartz expression.";
            return null;
        }
        string text;
        var first = tokens[position];
        if (first.Text[0] is '"' or '\'' or '`')
        {
            var quote = first.Text[0];
            var close = argument.IndexOf(quote, first.Start + 1);
            if (close < 0)
            {
                error = $"The cron expression starting at `{first.Text}` has no closing {quote}.";
                return null;
            }
            text = argument[(first.Start + 1)..close];
            while (position < tokens.Count && tokens[position].Start <= close)
            {
                position++;
            }
        }
        else
        {
            if (tokens.Count - position < 5)
            {
                error = "A cron expression has five fields (minute hour day-of-month month day-of-week), e.g. `cron 0 8 * * 1-5`; quote a six- or seven-field Quartz expression.";
                return null;
            }
            text = string.Join(' ', tokens.Skip(position).Take(5).Select(t => t.Text));
            position += 5;
        }
        if (!TryParseCron(text, out var expression, out error))
        {
            return null;
        }
        return new ScheduleWhen(expression!.CronExpressionString, null, $"on cron `{expression.CronExpressionString}`");
    }

    private static ScheduleWhen? AtTime(List<Token> tokens, ref int position, string days, string daysText, out string? error)
    {
        if (position < tokens.Count && tokens[position].Text.Equals("at", StringComparison.OrdinalIgnoreCase))
        {
            position++;
        }
        if (position >= tokens.Count)
        {
            error = $"At what time {daysText}? For example `{daysText.Split(' ')[^1]} 08:00` or `8:30pm`.";
            return null;
        }
        var text = tokens[position].Text;
        var suffix = position + 1 < tokens.Count && tokens[position + 1].Text.ToLowerInvariant() is "am" or "pm" ? tokens[position + 1].Text : null;
        if (!TryParseTime(suffix is null ? text : text + suffix, out var time, out error))
        {
            return null;
        }
        position += suffix is null ? 1 : 2;
        var cron = string.Create(CultureInfo.InvariantCulture, $"0 {time.Minute} {time.Hour} ? * {days}");
        return new ScheduleWhen(cron, null, $"{daysText} at {time:HH\\:mm}");
    }

    /// <summary><c>08:00</c>, <c>8:00</c>, <c>8am</c>, <c>8:30pm</c>, <c>18h</c>.</summary>
    public static bool TryParseTime(string text, out TimeOnly time, out string? error)
    {
        time = default;
        var match = TimePattern().Match(text.ToLowerInvariant());
        if (!match.Success)
        {
            error = $"`{text}` is not a time of day. Write it as `08:00`, `18:30`, `8am` or `6:30pm`.";
            return false;
        }
        var hour = int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minute = match.Groups["m"].Success ? int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        var meridiem = match.Groups["ampm"].Value;
        if (meridiem.Length > 0)
        {
            if (hour is < 1 or > 12)
            {
                error = $"`{text}` is not a time of day: with am or pm the hour goes from 1 to 12.";
                return false;
            }
            hour = hour % 12 + (meridiem == "pm" ? 12 : 0);
        }
        else if (!match.Groups["m"].Success && !match.Groups["hsuffix"].Success)
        {
            error = $"`{text}` is not a time of day. Write it as `08:00`, `18:30`, `8am` or `6:30pm`.";
            return false;
        }
        if (hour > 23)
        {
            error = $"`{text}` is not a time of day: the hour goes from 00 to 23.";
            return false;
        }
        if (minute > 59)
        {
            error = $"`{text}` is not a time of day: the minutes go from 00 to 59.";
            return false;
        }
        time = new TimeOnly(hour, minute);
        error = null;
        return true;
    }

    /// <summary>Day names, lists and ranges: <c>mon</c>, <c>mondays</c>, <c>mon,wed,fri</c>, <c>mon-fri</c>, <c>tue thu</c>.</summary>
    private static bool TryReadDays(List<Token> tokens, ref int position, out string? cronDays, out string? text, out string? error)
    {
        cronDays = null;
        text = null;
        error = null;
        var days = new SortedSet<int>();
        var start = position;
        while (position < tokens.Count)
        {
            var token = tokens[position].Text.ToLowerInvariant().TrimEnd(',');
            if (token.Length == 0)
            {
                position++;
                continue;
            }
            var parsedAll = true;
            var parsed = new List<int>();
            foreach (var part in token.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var range = part.Split('-');
                if (range.Length == 1 && DayIndex(range[0]) is { } day)
                {
                    parsed.Add(day);
                }
                else if (range.Length == 2 && DayIndex(range[0]) is { } from && DayIndex(range[1]) is { } to)
                {
                    for (var d = from; ; d = (d + 1) % 7)
                    {
                        parsed.Add(d);
                        if (d == to)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    parsedAll = false;
                    break;
                }
            }
            if (!parsedAll)
            {
                if (position == start && LooksLikeDay(token))
                {
                    error = $"`{tokens[position].Text}` is not a day I know. Use day names such as `mon`, `tuesday`, `mon-fri` or `tue,thu`.";
                }
                break;
            }
            days.UnionWith(parsed);
            position++;
        }
        if (days.Count == 0)
        {
            position = start;
            return false;
        }
        cronDays = string.Join(',', days.Select(d => DayCodes[d]));
        text = days.SetEquals([1, 2, 3, 4, 5]) ? "weekdays"
            : days.SetEquals([0, 6]) ? "weekends"
            : days.Count == 7 ? "every day"
            : "on " + string.Join(", ", days.Select(d => DayNames[d]));
        return true;
    }

    private static int? DayIndex(string word) => word.TrimEnd('s') switch
    {
        "sun" or "sunday" => 0,
        "mon" or "monday" => 1,
        "tue" or "tues" or "tuesday" => 2,
        "wed" or "weds" or "wednesday" => 3,
        "thu" or "thur" or "thurs" or "thursday" => 4,
        "fri" or "friday" => 5,
        "sat" or "saturday" => 6,
        _ => null,
    };

    private static bool LooksLikeDay(string token) => token.Contains('-', StringComparison.Ordinal) || token.Contains(',', StringComparison.Ordinal)
        || token.EndsWith("day", StringComparison.Ordinal) || token.EndsWith("days", StringComparison.Ordinal);

    private static string Describe(TimeSpan interval) => interval switch
    {
        { TotalDays: >= 1 } when interval.TotalDays % 1 == 0 => Plural((long)interval.TotalDays, "day"),
        { TotalHours: >= 1 } when interval.TotalHours % 1 == 0 => Plural((long)interval.TotalHours, "hour"),
        { TotalMinutes: >= 1 } when interval.TotalMinutes % 1 == 0 => Plural((long)interval.TotalMinutes, "minute"),
        _ => Plural((long)interval.TotalSeconds, "second"),
    };

    private static string Plural(long n, string unit) => n == 1 ? unit : string.Create(CultureInfo.InvariantCulture, $"{n} {unit}s");

    [GeneratedRegex(@"^(?<h>\d{1,2})(?::(?<m>\d{2}))?(?<hsuffix>h)?(?<ampm>am|pm)?$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^(?<n>\d{1,6})(?<unit>[a-z]*)$")]
    private static partial Regex IntervalPattern();
}
