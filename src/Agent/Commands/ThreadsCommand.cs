using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;

namespace Bot.Agent.Commands;

/// <summary>
/// <c>/threads</c>: the person's recent threads, then their schedules with one line each (how many runs, how the last
/// one went), as the web app's sidebar groups them: a schedule that runs every minute adds no line per run.
/// </summary>
public sealed class ThreadsCommand(ThreadQueries threads, TimeProvider clock) : IChatCommand
{
    private const int MaxThreads = 10;
    private const int MaxSchedules = 10;

    public string Name => "/threads";
    public string Usage => "/threads";
    public string Summary => "lists your recent threads";
    public int Order => 2;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        // The person's threads from every connected channel; in a group chat only this chat's (the titles of private
        // threads are private). Archived threads and scheduled runs are left out of the list, as on the web.
        IReadOnlyList<ThreadSummary> recent;
        IReadOnlyList<ScheduleRunGroup> schedules;
        if (turn.Conversation.IsGroup)
        {
            recent = (await threads.RecentAsync(turn.UserId, 200, cancellationToken))
                .Where(t => t.Channel == turn.Conversation.Channel && t.ConversationAddress == turn.Conversation.Address && t.ScheduleId is null && !t.Archived)
                .Take(MaxThreads).ToList();
            schedules = await threads.ScheduleGroupsAsync(turn.UserId, cancellationToken, turn.Conversation.Channel, turn.Conversation.Address);
        }
        else
        {
            recent = await threads.PageAsync(turn.UserId, ThreadListKind.Active, null, null, MaxThreads, cancellationToken);
            schedules = await threads.ScheduleGroupsAsync(turn.UserId, cancellationToken);
        }
        turn.Reply(Render(recent, schedules, turn.Thread.Id, clock.GetUtcNow()));
    }

    /// <summary>The listing as Markdown: threads, then one line per schedule.</summary>
    public static string Render(IReadOnlyList<ThreadSummary> recent, IReadOnlyList<ScheduleRunGroup> schedules, Guid current, DateTimeOffset now)
    {
        var builder = new StringBuilder("**Your recent threads**\n\n");
        if (recent.Count == 0)
        {
            builder.Append("None yet.\n");
        }
        foreach (var thread in recent)
        {
            var marker = thread.Id == current ? " (this thread)" : string.Empty;
            builder.Append(CultureInfo.InvariantCulture, $"- {thread.Title}{marker} · {thread.Channel} · {Ago(now - thread.UpdatedAt)}\n");
        }
        if (schedules.Count > 0)
        {
            builder.Append("\n**Scheduled runs**\n\n");
            foreach (var group in schedules.Take(MaxSchedules))
            {
                builder.Append(CultureInfo.InvariantCulture, $"- {group.Title} · {Runs(group.RunCount)} · last run {Ago(now - group.LastRunAt)}: {group.LastOutcome}\n");
            }
            if (schedules.Count > MaxSchedules)
            {
                builder.Append(CultureInfo.InvariantCulture, $"- … and {schedules.Count - MaxSchedules} more (see /schedules)\n");
            }
        }
        return builder.ToString().TrimEnd();
    }

    public static string Runs(int count) => count == 1 ? "1 run" : string.Create(CultureInfo.InvariantCulture, $"{count} runs");

    private static string Ago(TimeSpan elapsed) => elapsed switch
    {
        { TotalMinutes: < 1 } => "just now",
        { TotalHours: < 1 } => $"{(int)elapsed.TotalMinutes} min ago",
        { TotalDays: < 1 } => $"{(int)elapsed.TotalHours} h ago",
        _ => $"{(int)elapsed.TotalDays} d ago",
    };
}
