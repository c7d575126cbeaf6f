namespace Bot.Storage.Entities;

/// <summary>A person. Owns channel identities, threads, memory.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The user's IANA time zone, once known (schedules use it when a command names none).</summary>
    public string? TimeZone { get; set; }
}

/// <summary>One account of a user on one channel (a Telegram user id, a Slack user, the web owner).</summary>
public sealed class ChannelIdentity
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Channel { get; set; }
    public required string PlatformUserId { get; set; }
    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A place messages are exchanged in: a Direct Line conversation, a Telegram chat, a Slack channel.</summary>
public sealed class Conversation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Channel { get; set; }
    /// <summary>The platform's conversation id, unique per channel.</summary>
    public required string Address { get; set; }
    /// <summary>What the channel needs to send here proactively (service URL, team id, ...), as JSON.</summary>
    public string Reference { get; set; } = "{}";
    public bool IsGroup { get; set; }
    public Guid? CurrentThreadId { get; set; }
    public DateTimeOffset? UnreachableSince { get; set; }
    public string? UnreachableReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum ThreadStatus { Active, Archived }

/// <summary>A persisted chat thread. Turns within one thread run one at a time (the lease).</summary>
public sealed class ChatThread
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public Guid ConversationId { get; set; }
    /// <summary>The channel's key for this thread inside the conversation (a Slack root ts, a Telegram topic); null when the conversation is the thread.</summary>
    public string? ThreadKey { get; set; }
    public string? Title { get; set; }
    public ThreadStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    /// <summary>A rolling summary of the events up to <see cref="SummaryThrough"/>, which the prompt then leaves out.</summary>
    public string? Summary { get; set; }
    public DateTimeOffset? SummaryThrough { get; set; }
}

public static class EventRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
    public const string System = "system";
}

/// <summary>One step of a thread: a user message, an assistant reply, a tool call or result.</summary>
public sealed class ThreadEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ThreadId { get; set; }
    public required string Role { get; set; }
    /// <summary>The event body as JSON (text, card, tool call ...).</summary>
    public required string Content { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The inbox row whose turn wrote this event (null for user messages and older rows).</summary>
    public Guid? TurnId { get; set; }
}

/// <summary>A durable fact or preference the assistant keeps about a user.</summary>
public sealed class UserMemory
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Kind { get; set; }
    public required string Content { get; set; }
    public Guid? SourceThreadId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum InboxStatus { Pending, Done, Failed }

/// <summary>An inbound platform event waiting for (or done with) its turn. Unique per channel + platform event id.</summary>
public sealed class InboxItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Channel { get; set; }
    public required string EventId { get; set; }
    public Guid ThreadId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid UserId { get; set; }
    public Guid ThreadEventId { get; set; }
    /// <summary>The neutral incoming message as JSON.</summary>
    public required string Payload { get; set; }
    public InboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? LastError { get; set; }
}

public enum OutboxStatus { Pending, Sent, Failed, Expired, Unreachable }

/// <summary>Something to deliver to a platform. Sent in order per conversation, retried with backoff until it expires.</summary>
public sealed class OutboxItem
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>Insertion order; delivery within a conversation follows it.</summary>
    public long Seq { get; set; }
    public Guid ConversationId { get; set; }
    public Guid? ThreadId { get; set; }
    public required string Channel { get; set; }
    /// <summary>The neutral outgoing message as JSON.</summary>
    public required string Payload { get; set; }
    public OutboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? PlatformMessageId { get; set; }
    public string? LastError { get; set; }
}

/// <summary>An append-only record of a security- or money-relevant transition.</summary>
public sealed class AuditEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public DateTimeOffset At { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }
    public required string SubjectId { get; set; }
    public string Data { get; set; } = "{}";
}

/// <summary>One activity of a Direct Line conversation; <see cref="Seq"/> is the watermark.</summary>
public sealed class DirectLineActivity
{
    public long Seq { get; set; }
    public required string ConversationAddress { get; set; }
    public required string ActivityId { get; set; }
    /// <summary>The outbox row this activity delivers (bot activities), so a retried send never duplicates.</summary>
    public Guid? OutboxId { get; set; }
    public required string Activity { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An ASP.NET Core Data Protection key ring element, shared by every replica.</summary>
public sealed class DataProtectionKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
