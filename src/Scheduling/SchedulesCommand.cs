using Bot.Agent.Commands;
using Bot.Agent.Llm;
using Microsoft.Extensions.Options;
using Bot.Pipeline;

namespace Bot.Scheduling;

/// <summary><c>/schedules</c> lists the user's schedules with their next run, last outcome and buttons to pause, resume or delete.</summary>
public sealed class SchedulesCommand(ScheduleService schedules) : IChatCommand
{
    public string Name => "/schedules";
    public string Usage => "/schedules";
    public string Summary => "lists your schedules, their next run and last outcome, with buttons to pause, resume or delete them";
    public int Order => 21;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var (text, buttons) = ScheduleMarkdown.List(await schedules.ListAsync(turn.UserId, cancellationToken));
        turn.Reply(text, buttons.Count > 0 ? buttons : null);
    }
}
