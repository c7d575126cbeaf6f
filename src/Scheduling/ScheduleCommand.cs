using Bot.Agent.Commands;
using Bot.Agent.Llm;
using Microsoft.Extensions.Options;
using Bot.Pipeline;

namespace Bot.Scheduling;

/// <summary><c>/schedule WHEN [ZONE] [TITLE:] WHAT</c> creates a schedule; <c>/schedule pause|resume|delete CODE</c> manages one.</summary>
public sealed class ScheduleCommand(ScheduleService schedules, IOptions<LlmOptions> llm) : IChatCommand
{
    public string Name => ScheduleMarkdown.Command;
    public string Usage => "/schedule WHEN [ZONE] WHAT";
    public string Summary => "sends WHAT on a schedule, each run in a new thread: `/schedule weekdays 08:00 Europe/Berlin /portfolio`, `/schedule every 30m ...`";
    public int Order => 20;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (argument.Equals("list", StringComparison.OrdinalIgnoreCase))
        {
            var (text, buttons) = ScheduleMarkdown.List(await schedules.ListAsync(turn.UserId, cancellationToken));
            turn.Reply(text, buttons.Count > 0 ? buttons : null);
            return;
        }
        switch (ScheduleParser.Parse(argument))
        {
            case ScheduleCommandRequest.Help:
                turn.Reply("Send something on a schedule with " + ScheduleParser.Syntax);
                return;
            case ScheduleCommandRequest.Invalid invalid:
                turn.Reply(invalid.Error);
                return;
            case ScheduleCommandRequest.Manage manage:
                turn.Reply(await ManageAsync(schedules, turn.UserId, manage, cancellationToken));
                return;
            case ScheduleCommandRequest.Create create:
                await CreateAsync(turn, create, cancellationToken);
                return;
        }
    }

    private async Task CreateAsync(TurnContext turn, ScheduleCommandRequest.Create request, CancellationToken cancellationToken)
    {
        var zoneId = request.ZoneId ?? await schedules.TimeZoneOfAsync(turn.UserId, cancellationToken);
        if (zoneId is null && request.When.NeedsZone)
        {
            turn.Reply(
                $"Which time zone should “{request.Title}” run in ({request.When.Description})? I don't know yours yet. " +
                "Add it after the time, for example `/schedule weekdays 08:00 Europe/Berlin /portfolio`, or tell me once with `/timezone Europe/Berlin`.\n\n" +
                ScheduleParser.Syntax);
            return;
        }
        if (!TimeZones.TryFind(zoneId ?? "UTC", out var zone, out var iana))
        {
            turn.Reply($"Your remembered time zone `{zoneId}` is not one I know any more. Set it again with `/timezone Europe/Berlin` (an IANA name).");
            return;
        }
        if (request.ZoneId is not null)
        {
            await schedules.RememberTimeZoneAsync(turn.UserId, iana, onlyIfUnknown: true, cancellationToken);
        }
        var sourceKey = $"{turn.Message.Address.Channel}:{turn.Message.EventId}";
        var result = await schedules.CreateAsync(turn.UserId, turn.Conversation.Id, request.Title, request.Prompt, request.When.In(zone, iana), sourceKey, cancellationToken);
        if (result.Created is not { } created)
        {
            turn.Reply(result.Error!);
            return;
        }
        var note = !llm.Value.Enabled && !created.Schedule.Prompt.StartsWith('/')
            ? "\n\nNote: no language model is configured, so a run answers free text the way I answer it now (with a pointer to `/help`). To get data in each run, schedule a command instead, such as `/portfolio` or `/balances`."
            : string.Empty;
        turn.Reply(ScheduleMarkdown.Created(created) + note);
    }

    /// <summary>Pauses, resumes or deletes one of the person's schedules; says what happened.</summary>
    internal static async Task<string> ManageAsync(ScheduleService schedules, Guid userId, ScheduleCommandRequest.Manage request, CancellationToken cancellationToken)
    {
        var schedule = await schedules.FindAsync(userId, request.Reference, cancellationToken);
        if (schedule is null)
        {
            return $"I found no schedule of yours with the code `{request.Reference}`. `/schedules` lists them with their codes.";
        }
        switch (request.Verb)
        {
            case "pause":
                if (!schedule.Enabled)
                {
                    return $"**{schedule.Title}** is already paused. `/schedule resume {ScheduleService.CodeOf(schedule.Id)}` resumes it.";
                }
                await schedules.PauseAsync(userId, schedule.Id, cancellationToken);
                return $"Paused **{schedule.Title}**. `/schedule resume {ScheduleService.CodeOf(schedule.Id)}` resumes it.";
            case "resume":
                var resumed = await schedules.ResumeAsync(userId, schedule.Id, cancellationToken);
                return resumed is null
                    ? "That schedule is gone."
                    : $"Resumed **{schedule.Title}**: {resumed.Rule.Description} ({resumed.Rule.ZoneId}). Next run: {(resumed.NextRun is { } next ? resumed.Rule.Local(next) : "none")}.";
            default:
                var deleted = await schedules.DeleteAsync(userId, schedule.Id, cancellationToken);
                return deleted ? $"Deleted **{schedule.Title}**. Threads of its earlier runs stay in `/threads`." : "That schedule was already gone.";
        }
    }
}
