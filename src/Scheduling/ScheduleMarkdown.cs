using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Scheduling;

/// <summary>How schedules read in chat: the list with its buttons, one schedule's status.</summary>
public static class ScheduleMarkdown
{
    public const string Command = "/schedule";

    public static string Created(ScheduleView view) =>
        $"Scheduled **{view.Schedule.Title}** `#{view.Code}`: {view.Rule.Description} ({view.Rule.ZoneId}), sending “{view.Schedule.Prompt}”.\n\n" +
        $"Next run: {(view.NextRun is { } next ? view.Rule.Local(next) : "none")}. Each run starts a thread of its own. `/schedules` lists your schedules.";

    public static (string Text, IReadOnlyList<MessageButton> Buttons) List(IReadOnlyList<ScheduleView> views)
    {
        if (views.Count == 0)
        {
            return ("You have no schedules. Create one with " + ScheduleParser.Syntax, []);
        }
        var text = new StringBuilder("**Your schedules**\n\n");
        var buttons = new List<MessageButton>();
        var n = 0;
        foreach (var view in views)
        {
            var schedule = view.Schedule;
            text.Append(CultureInfo.InvariantCulture, $"{++n}. **{schedule.Title}** `#{view.Code}`: {view.Rule.Description} ({view.Rule.ZoneId}), sends “{schedule.Prompt}”\n");
            text.Append("   ").Append(State(view)).Append('\n');
            if (LastRun(view) is { } last)
            {
                text.Append("   ").Append(last).Append('\n');
            }
            var label = Short(schedule.Title);
            buttons.Add(schedule.Enabled
                ? new MessageButton($"Pause {label}", Command, Args("pause", schedule.Id))
                : new MessageButton($"Resume {label}", Command, Args("resume", schedule.Id)));
            buttons.Add(new MessageButton($"Delete {label}", Command, Args("delete", schedule.Id)));
        }
        text.Append("\nOr type `/schedule pause CODE`, `/schedule resume CODE` or `/schedule delete CODE`.");
        return (text.ToString(), buttons);
    }

    public static string State(ScheduleView view) => view.Schedule.Enabled
        ? "Active; next run " + (view.NextRun is { } next ? view.Rule.Local(next) : "never")
        : $"Paused ({view.Schedule.PausedReason ?? "paused"})";

    public static string? LastRun(ScheduleView view)
    {
        var schedule = view.Schedule;
        if (schedule.LastStatus is not { } status)
        {
            return null;
        }
        var at = schedule.LastFireAt is { } fired ? view.Rule.Local(fired) : "?";
        return status switch
        {
            ScheduleRunStatus.Queued => $"Last run {at}: running",
            ScheduleRunStatus.Delivered => $"Last run {at}: delivered",
            ScheduleRunStatus.Failed => $"Last run {at}: **failed**: {schedule.LastError}" + (schedule.ConsecutiveFailures > 1 ? $" ({schedule.ConsecutiveFailures} failures in a row)" : ""),
            _ => $"Last run **skipped**: {schedule.LastError}",
        };
    }

    private static Dictionary<string, string> Args(string verb, Guid id) => new() { ["args"] = $"{verb} {id}" };

    private static string Short(string title) => title.Length <= 24 ? $"“{title}”" : $"“{title[..23]}…”";
}
