using System.Collections.Concurrent;
using Bot.Pipeline;

namespace Bot.Tests.Integration;

/// <summary>
/// A channel for pipeline tests whose platform answers are scripted: the real channels (Telegram, Slack, Teams)
/// map their HTTP answers onto these same results, and are tested against their own peers.
/// </summary>
public sealed class ScriptedChannelSender : IChannelSender
{
    public const string Name = "scripted";

    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<SendResult>> scripts = new();
    private readonly ConcurrentDictionary<Guid, Func<OutboundDelivery, CancellationToken, Task<SendResult>>> platforms = new();

    public string Channel => Name;

    public ConcurrentQueue<OutboundDelivery> Deliveries { get; } = new();

    /// <summary>What the platform answers for the next sends to one conversation; after that, success.</summary>
    public void Script(Guid conversationId, params SendResult[] results)
    {
        var queue = scripts.GetOrAdd(conversationId, _ => new());
        foreach (var result in results)
        {
            queue.Enqueue(result);
        }
    }

    /// <summary>A platform of its own for one conversation (a reply in parts, say): it answers every send there.</summary>
    public void Platform(Guid conversationId, Func<OutboundDelivery, CancellationToken, Task<SendResult>> send) => platforms[conversationId] = send;

    public Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        Deliveries.Enqueue(delivery);
        if (platforms.TryGetValue(delivery.ConversationId, out var platform))
        {
            return platform(delivery, cancellationToken);
        }
        var scripted = scripts.TryGetValue(delivery.ConversationId, out var queue) && queue.TryDequeue(out var result) ? result : null;
        return Task.FromResult(scripted ?? new SendResult.Sent("msg-" + delivery.OutboxId.ToString("N")[..8]));
    }
}
