using Bot.Pipeline.Model;

namespace Bot.Pipeline.Actions;

/// <summary>
/// Handles the presses of one action's buttons (<c>/plan</c>, <c>/schedule</c>, <c>/memory</c>) on every channel.
/// Features register theirs with DI; <see cref="CardActionRouter"/> finds it by <see cref="Action"/>. A handler checks
/// that the person may press the button, acts once however often the press is delivered, and says what happened.
/// </summary>
public interface ICardActionHandler
{
    /// <summary>The action its buttons carry, as a typed command would name it: <c>/plan</c>.</summary>
    string Action { get; }

    Task<CardActionResult> HandleAsync(CardActionRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// A button press, verified by its channel and resolved to the person who pressed it. <see cref="Synchronous"/> is true
/// when the channel waits for the outcome in the request (a Teams <c>Action.Execute</c>) instead of a turn answering it.
/// </summary>
public sealed record CardActionRequest(ActionInvoke Action, Guid UserId, IncomingMessage Message, bool Synchronous)
{
    public string Arguments => Action.Arguments;
}

/// <summary>
/// What a press did. <see cref="Message"/> is the outcome in words (the reply). <see cref="Card"/> is the card as it
/// now stands, for a channel that redraws it in its answer. <see cref="Redraw"/> asks for the sent card to be updated
/// for everybody in the conversation.
/// </summary>
public sealed record CardActionResult(string Message, Card? Card = null, CardRedraw? Redraw = null);

/// <summary>An update of a card message sent earlier (its outbox id), in the thread and conversation it was sent to.</summary>
public sealed record CardRedraw(Guid CardMessageId, Guid ThreadId, Guid ConversationId, Card Card)
{
    public OutgoingMessage ToOutgoing() =>
        new() { Kind = OutgoingKind.Update, Replaces = CardMessageId, Text = CardMarkdown.Render(Card), Card = Card };
}
