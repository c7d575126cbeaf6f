using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Microsoft.Extensions.Logging;

namespace Bot.Pipeline.Actions;

/// <summary>
/// Routes button presses from every channel to the registered <see cref="ICardActionHandler"/> of their action. A press
/// normally arrives as an inbound message and is answered in a turn (<see cref="HandleInTurnAsync"/>); a channel that
/// must answer in the request (Teams <c>Action.Execute</c>, which waits for the redrawn card) calls
/// <see cref="HandleNowAsync"/>, which acts first and then records the press and its outcome in the card's thread as
/// an event already answered, with the card's redraw queued in the same transaction.
/// </summary>
public sealed partial class CardActionRouter(
    IEnumerable<ICardActionHandler> handlers,
    ThreadQueries threads,
    InboxRecorder recorder,
    ILogger<CardActionRouter> logger)
{
    public const string UnknownButton = "That button is not one I know any more, so nothing was done. Type `/help` to see what I can do.";
    public const string UnknownPerson = "Sorry, only the person this card was made for can use its buttons. Nothing was changed.";

    private readonly Dictionary<string, ICardActionHandler> byAction = handlers.ToDictionary(h => h.Action, StringComparer.Ordinal);

    /// <summary>Answers a press in its turn: the outcome as the reply, and the card updated in place when the handler asks.</summary>
    public async Task HandleInTurnAsync(TurnContext turn, ActionInvoke action, CancellationToken cancellationToken)
    {
        if (!byAction.TryGetValue(action.Name, out var handler))
        {
            turn.Reply(UnknownButton);
            return;
        }
        Apply(turn, await handler.HandleAsync(new CardActionRequest(action, turn.UserId, turn.Message, Synchronous: false), cancellationToken));
    }

    /// <summary>Puts a result into a turn: what typed commands that mirror a button (<c>/plan approve …</c>) also use.</summary>
    public static void Apply(TurnContext turn, CardActionResult result)
    {
        if (result.Redraw is { } redraw)
        {
            // The card, redrawn in place, shows the outcome: it is the one record on screen, and the thread's history
            // keeps the outcome's words (a second message saying the same would only repeat the card).
            turn.Record(result.Message);
            turn.Update(redraw.CardMessageId, CardMarkdown.Render(redraw.Card), redraw.Card);
            return;
        }
        turn.Reply(result.Message);
    }

    /// <summary>
    /// Acts on a press now and returns the outcome for the channel's answer. Recording is best effort after the
    /// decision: the handler's own state transition keeps the action exactly-once, and a failure to record is logged
    /// while the channel still gets the truthful outcome. The caller's cancellation is not passed to the record
    /// (the platform giving up on its request must not lose the record of a decision).
    /// </summary>
    public async Task<CardActionResult> HandleNowAsync(IncomingMessage press, CancellationToken cancellationToken)
    {
        // Checked before anything is decided: a press the inbox would refuse (an id out of bounds) must not act and then
        // fail to record. Throws InboundRefusedException for the channel to answer.
        press = InboundChecks.Checked(press, int.MaxValue);
        if (press.Action is not { } action || !byAction.TryGetValue(action.Name, out var handler))
        {
            return new CardActionResult(UnknownButton);
        }
        var userId = await threads.UserForIdentityAsync(press.Address.Channel, press.From.PlatformUserId, cancellationToken);
        var result = userId is { } actor
            ? await handler.HandleAsync(new CardActionRequest(action, actor, press, Synchronous: true), cancellationToken)
            : new CardActionResult(UnknownPerson);
        LogPressed(logger, action.Name, press.Address.Channel, userId is not null);

        var alsoQueue = result.Redraw is { } redraw
            ? new[] { new QueuedOutgoing(redraw.ThreadId, redraw.ConversationId, press.Address.Channel, redraw.ToOutgoing()) }
            : [];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // The redraw commits with the record (and wakes the senders after it), so it is queued exactly once.
            await recorder.RecordAnsweredAsync(press with { HandledOutcome = result.Message }, alsoQueue, timeout.Token);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogNotRecorded(logger, exception, action.Name, press.Address.Channel);
        }
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Card action {Action} on {Channel} answered in the request (known person: {Known})")]
    private static partial void LogPressed(ILogger logger, string action, string channel, bool known);

    [LoggerMessage(Level = LogLevel.Error, Message = "Card action {Action} on {Channel} was decided but could not be recorded in its thread")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string action, string channel);
}
