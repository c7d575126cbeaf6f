using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Pipeline;

/// <summary>
/// One turn: the message being answered, where it lives, and what the turn produced. Everything a handler adds is
/// committed together with the inbox row being marked done, so a crash before the commit re-runs the turn and a
/// crash after it never runs it twice.
/// </summary>
public sealed class TurnContext(IncomingMessage message, ChatThread thread, Conversation conversation, Guid userId)
{
    private readonly List<(string Role, EventContent Content)> events = [];
    private readonly List<OutgoingMessage> outgoing = [];
    private readonly List<Func<CancellationToken, Task>> afterCommit = [];

    public IncomingMessage Message { get; private set; } = message;

    /// <summary>
    /// A voice note's turn, once transcribed: from here on the turn's message says what was heard (the command or the
    /// free text), so the agent answers it like typed text.
    /// </summary>
    public void UseTranscript(string text) => Message = Message with { Text = text };
    public ChatThread Thread { get; } = thread;
    public Conversation Conversation { get; } = conversation;
    public Guid UserId { get; } = userId;

    /// <summary>Set by <see cref="StartNewThread"/>: the conversation's next messages go to a fresh thread.</summary>
    public bool NewThreadRequested { get; private set; }

    /// <summary>A title for the thread when it has none yet.</summary>
    public string? ProposedTitle { get; set; }

    public IReadOnlyList<(string Role, EventContent Content)> Events => events;
    public IReadOnlyList<OutgoingMessage> Outgoing => outgoing;

    /// <summary>
    /// Answers in the thread: records the assistant event and queues the message for delivery. A reply that carries a
    /// credential (a one-time sign-in link) passes <paramref name="historyText"/>: the thread's history, and so every
    /// later prompt and the history API, keep that text instead.
    /// </summary>
    public OutgoingMessage Reply(string markdown, IReadOnlyList<MessageButton>? buttons = null, string? streamId = null, Card? card = null, Guid? id = null, string? historyText = null)
    {
        events.Add((EventRoles.Assistant, new EventContent { Text = historyText ?? markdown, Buttons = buttons, CardKey = card?.Key }));
        var message = new OutgoingMessage
        {
            Id = id ?? Guid.CreateVersion7(),
            Text = markdown,
            Buttons = buttons,
            ThreadKey = Message.Address.ThreadKey,
            StreamId = streamId,
            InReplyTo = TurnId == Guid.Empty ? null : TurnId,
            InReplyToPlatformMessageId = Message.PlatformMessageId,
            Card = card,
        };
        outgoing.Add(message);
        return message;
    }

    /// <summary>
    /// Records an answer in the thread's history without sending it: the words of an outcome that a message changed in
    /// place (<see cref="Update"/>) already shows, so the history and later prompts keep it and no second message repeats it.
    /// </summary>
    public void Record(string markdown) => events.Add((EventRoles.Assistant, new EventContent { Text = markdown }));

    /// <summary>Changes a message this bot sent earlier (a plan card after its decision), where the channel can.</summary>
    public void Update(Guid outboxId, string markdown, Card? card = null) =>
        outgoing.Add(new OutgoingMessage { Kind = OutgoingKind.Update, Replaces = outboxId, Text = markdown, Card = card, ThreadKey = Message.Address.ThreadKey });

    /// <summary>The inbox row this turn answers (empty outside the pipeline).</summary>
    public Guid TurnId { get; internal init; }

    private int ordinal;

    /// <summary>A number unique within the turn, stable when the turn is re-run (so a re-run finds what it made before).</summary>
    public int NextOrdinal() => ordinal++;

    public void StartNewThread() => NewThreadRequested = true;

    /// <summary>Writes one step (a tool call, a tool result) to the thread now, before the turn ends, so a crash leaves an honest history.</summary>
    public Task RecordStepAsync(string role, EventContent content, CancellationToken cancellationToken) =>
        StepWriter is { } writer ? writer(role, content, cancellationToken) : throw new InvalidOperationException("This turn cannot record steps.");

    /// <summary>Work to do once the turn is committed (summaries, memory extraction): best effort, never delays the reply.</summary>
    public void AfterCommit(Func<CancellationToken, Task> work) => afterCommit.Add(work);

    internal IReadOnlyList<Func<CancellationToken, Task>> AfterCommitWork => afterCommit;

    internal Func<string, EventContent, CancellationToken, Task>? StepWriter { get; set; }

    /// <summary>Steps this turn already wrote before a crash (when the turn is being re-run).</summary>
    public IReadOnlyList<(string Role, EventContent Content)> ResumedSteps { get; internal set; } = [];
}
