using System.Globalization;
using System.Text.RegularExpressions;

namespace Bot.Finance.Tools;

/// <summary>
/// Periods as people and models write them: <c>7d</c>, <c>90d</c>, <c>this-month</c>, <c>last-month</c>,
/// <c>2026-03</c>, or <c>2026-03-01..2026-03-15</c>. Unset means the last 30 days.
/// </summary>
public static partial class TransactionPeriod
{
    public const int DefaultDays = 30;
    public const int MaxDays = 730;

    public static bool TryParse(string? text, DateOnly today, out DateOnly from, out DateOnly to, out string? error)
    {
        error = null;
        to = today;
        from = today.AddDays(1 - DefaultDays);
        var value = text?.Trim().ToLowerInvariant().Replace(' ', '-');
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }
        if (Days().Match(value) is { Success: true } days)
        {
            var n = int.Parse(days.Groups[1].Value, CultureInfo.InvariantCulture);
            if (n is < 1 or > MaxDays)
            {
                error = $"A period in days must be between 1d and {MaxDays}d.";
                return false;
            }
            from = today.AddDays(1 - n);
            return true;
        }
        switch (value)
        {
            case "today":
                from = today;
                return true;
            case "this-month":
                from = new DateOnly(today.Year, today.Month, 1);
                return true;
            case "last-month":
                from = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
                to = from.AddMonths(1).AddDays(-1);
                return true;
        }
        if (DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            from = month;
            to = month.AddMonths(1).AddDays(-1);
            return true;
        }
        var parts = value.Split("..");
        if (parts.Length == 2
            && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            && DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            && start <= end && end.DayNumber - start.DayNumber < MaxDays)
        {
            from = start;
            to = end;
            return true;
        }
        error = $"I don't understand the period '{text}'. Use 7d, 30d, 90d, this-month, last-month, a month like 2026-03, or 2026-03-01..2026-03-15.";
        return false;
    }

    [GeneratedRegex(@"^(\d{1,4})d(ays?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Days();
}
