using Bot.Agent.Commands;
using Bot.Agent.Llm;
using Microsoft.Extensions.Options;
using Bot.Pipeline;

namespace Bot.Scheduling;

/// <summary><c>/timezone [ZONE]</c> shows or sets the time zone new schedules use when they name none.</summary>
public sealed class TimeZoneCommand(ScheduleService schedules) : IChatCommand
{
    public string Name => "/timezone";
    public string Usage => "/timezone [ZONE]";
    public string Summary => "shows or sets your time zone (an IANA name such as `Europe/Berlin`), used by schedules that name none";
    public int Order => 22;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (argument.Length == 0)
        {
            var known = await schedules.TimeZoneOfAsync(turn.UserId, cancellationToken);
            turn.Reply(known is null
                ? "I don't know your time zone yet. Tell me with `/timezone Europe/Berlin` (an IANA name)."
                : $"Your time zone is `{known}`. Change it with `/timezone ZONE`.");
            return;
        }
        if (!TimeZones.TryFind(argument, out _, out var iana))
        {
            turn.Reply($"`{argument}` is not a time zone I know. Use an IANA name such as `Europe/Berlin`, `America/New_York`, `Asia/Tokyo` or `UTC`.");
            return;
        }
        await schedules.RememberTimeZoneAsync(turn.UserId, iana, onlyIfUnknown: false, cancellationToken);
        turn.Reply($"Your time zone is now `{iana}`. New schedules use it when they name none; existing ones keep theirs.");
    }
}
