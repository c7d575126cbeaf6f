using System.ComponentModel.DataAnnotations;

namespace Bot.Pipeline;

/// <summary>Settings of the durable message pipeline (section <c>Pipeline</c>).</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Turn workers in this process. 0 makes an ingest-only replica that records messages and leaves turns to others.</summary>
    [Range(0, 64)]
    public int TurnWorkers { get; set; } = 2;

    /// <summary>
    /// Threads one turn worker runs side by side (each thread's turns in order). A worker claims as many as it has room
    /// for in one statement; turns finishing together commit together.
    /// </summary>
    [Range(1, 1024)]
    public int ThreadsPerWorker { get; set; } = 64;

    /// <summary>Pending messages of one thread claimed at once (run in order without another claim in between).</summary>
    [Range(1, 1000)]
    public int TurnsPerThread { get; set; } = 32;

    /// <summary>
    /// Whether a thread's next turn may run while the turn before it is being committed, when its handler says it reads
    /// nothing earlier turns commit (<see cref="ITurnHandler.MayRunAhead"/>). On by default; off runs every turn after
    /// the previous one's commit (for comparison in the benches).
    /// </summary>
    public bool RunAhead { get; set; } = true;

    /// <summary>Outbox rows claimed per conversation at once (sent in order, one after the other).</summary>
    [Range(1, 1000)]
    public int SendsPerConversation { get; set; } = 32;

    /// <summary>Outbox senders in this process. 0 leaves delivery to other replicas.</summary>
    [Range(0, 64)]
    public int OutboxSenders { get; set; } = 2;

    /// <summary>How long a claimed thread or outbox row stays claimed without renewal; after a crash, work resumes after this.</summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How often an idle worker looks for work it was not notified about.</summary>
    [Range(0.05, 60)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>How many times a message is tried before the user is told it failed.</summary>
    [Range(1, 20)]
    public int MaxTurnAttempts { get; set; } = 3;

    /// <summary>A reply not delivered within this time is marked expired rather than sent late.</summary>
    [Range(1, 1440)]
    public int OutboxExpiryMinutes { get; set; } = 15;

    /// <summary>First retry delay of a failed send; doubles per attempt up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    [Range(0.01, 600)]
    public double RetryBaseSeconds { get; set; } = 1;

    [Range(0.01, 3600)]
    public double MaxRetryDelaySeconds { get; set; } = 60;

    /// <summary>
    /// The longest message text taken from a person on any channel. A longer one is not stored (a note of its length is)
    /// and the bot answers with this limit.
    /// </summary>
    [Range(100, 1_000_000)]
    public int MaxInboundCharacters { get; set; } = 16_000;

    /// <summary>
    /// Tries in a row that deliver nothing (for a reply in parts: no further part) before an outbox row is given up as
    /// Failed, so that the conversation's later messages go out. At the default backoff the tenth try comes about four
    /// minutes after the first; <see cref="OutboxExpiryMinutes"/> still applies (a platform may ask for long waits). A
    /// reply given up after some of its parts were delivered is followed by a short note saying so.
    /// </summary>
    [Range(1, 1000)]
    public int MaxSendAttempts { get; set; } = 10;

    /// <summary>
    /// The longest reply sent, in characters of its Markdown. A longer one is cut at a paragraph, line or word break and
    /// ends with a note that it was shortened. Enforced where the outbox sender hands a message to its channel.
    /// </summary>
    [Range(500, 1_000_000)]
    public int MaxReplyCharacters { get; set; } = 20_000;

    /// <summary>
    /// The most platform messages one reply is split into (Slack and Telegram split long text under their limits). A reply
    /// that needs more is shortened, with the same note, until it fits.
    /// </summary>
    [Range(1, 100)]
    public int MaxReplyParts { get; set; } = 8;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);
}
