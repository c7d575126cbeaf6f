using Bot.Pipeline.Model;

namespace Bot.Agent.Memory;

/// <summary>An event as a prompt uses it: its role, its content (without what prompts never show; null for a sub-agent's step, which prompts leave out) and its token estimate.</summary>
internal sealed record PromptEvent(string Role, EventContent? Content, int Tokens);

/// <summary>How far the last prompt of a thread read: every event up to <see cref="KnownThrough"/> it read is cached, and it needed <see cref="Rows"/> rows.</summary>
internal readonly record struct ThreadReadHint(DateTimeOffset KnownThrough, int Rows);

/// <summary>
/// What prompt building keeps between turns, one per process: each event's prompt content and token estimate by
/// event id (an event never changes once written, so an entry never goes stale), and for each thread how far its
/// last prompt read, so the next one reads content only of what is new and asks for the right number of rows at
/// once. Bounded: about 64 MB of events and 20,000 threads, the least recently used going first.
/// </summary>
public sealed class PromptEventCache
{
    private const long EventCapacityBytes = 64L << 20;
    private const int ThreadCapacity = 20_000;

    /// <summary>An entry's rough footprint: about three characters a token, two bytes a character, and the objects around them.</summary>
    private readonly GenerationalCache<Guid, PromptEvent> events = new(EventCapacityBytes, e => 256 + 6L * e.Tokens);

    private readonly GenerationalCache<Guid, ThreadReadHint> threads = new(ThreadCapacity, _ => 1);

    internal int EventCount => events.Count;

    internal bool TryGet(Guid eventId, out PromptEvent promptEvent) => events.TryGet(eventId, out promptEvent!);

    internal void Add(Guid eventId, PromptEvent promptEvent) => events.Set(eventId, promptEvent);

    internal ThreadReadHint? HintFor(Guid threadId) => threads.TryGet(threadId, out var hint) ? hint : null;

    internal void Remember(Guid threadId, ThreadReadHint hint) => threads.Set(threadId, hint);
}
