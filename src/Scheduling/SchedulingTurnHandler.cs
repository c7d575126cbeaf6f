using System.Globalization;
using System.Text;
using Bot.Pipeline;
using Bot.Pipeline.Model;

namespace Bot.Scheduling;

/// <summary>
/// Wraps the agent's turn handler with what scheduling needs from a person's turn: the time zone the channel reports
/// is remembered (when none is known yet), and schedules the service paused are announced once, after the answer.
/// Turns a schedule fired pass straight through.
/// </summary>
public sealed class SchedulingTurnHandler(ITurnHandler inner, ScheduleService schedules) : ITurnHandler
{
    /// <summary>
    /// As the agent says. Remembering the zone before the turn is a write of its own, seen by the next turn either way;
    /// a turn that announced paused schedules clears them after its commit, and the pipeline runs no turn ahead of such a turn.
    /// </summary>
    public bool MayRunAhead(IncomingMessage message) => inner.MayRunAhead(message);

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        if (turn.Message.ScheduleId is not null)
        {
            await inner.HandleAsync(turn, cancellationToken);
            return;
        }
        // The zone is remembered before the turn runs (a /schedule in this message uses it); paused schedules are
        // announced in private conversations only, after the answer.
        var reported = TimeZones.TryFind(turn.Message.TimeZone, out _, out var zone) ? zone : null;
        var paused = await schedules.BeforeTurnAsync(turn.UserId, reported, withPauseNotices: !turn.Conversation.IsGroup, cancellationToken);

        await inner.HandleAsync(turn, cancellationToken);

        if (paused.Count == 0)
        {
            return;
        }
        var notice = new StringBuilder();
        foreach (var schedule in paused)
        {
            notice.Append(CultureInfo.InvariantCulture, $"Your schedule **{schedule.Title}** `#{ScheduleService.CodeOf(schedule.Id)}` was paused: {schedule.PausedReason}. ");
            notice.Append(CultureInfo.InvariantCulture, $"`/schedule resume {ScheduleService.CodeOf(schedule.Id)}` resumes it.\n");
        }
        turn.Reply(notice.ToString().TrimEnd());
        // Told once: cleared when this turn is committed (a turn that is re-run before then tells it again).
        var ids = paused.Select(s => s.Id).ToList();
        turn.AfterCommit(ct => schedules.ClearPauseNoticesAsync(ids, ct));
    }
}
