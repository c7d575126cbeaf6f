using Bot.Pipeline.Actions;

namespace Bot.Scheduling;

/// <summary>The Pause, Resume and Delete buttons that <c>/schedules</c> puts under each schedule.</summary>
public sealed class ScheduleActionHandler(ScheduleService schedules) : ICardActionHandler
{
    public string Action => ScheduleMarkdown.Command;

    public async Task<CardActionResult> HandleAsync(CardActionRequest request, CancellationToken cancellationToken) =>
        // A button only ever manages a schedule; anything else in its data is not a button this bot made.
        ScheduleParser.Parse(request.Arguments) is ScheduleCommandRequest.Manage manage
            ? new CardActionResult(await ScheduleCommand.ManageAsync(schedules, request.UserId, manage, cancellationToken))
            : new CardActionResult(CardActionRouter.UnknownButton);
}
