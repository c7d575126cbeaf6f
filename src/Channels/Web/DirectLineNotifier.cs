using System.Collections.Concurrent;
using Bot.Agent.Pipeline;

namespace Bot.Channels.Web;

/// <summary>
/// Wakes the open Direct Line streams of a conversation when an activity is committed (by any replica: the
/// insert raises <c>pg_notify('bot_directline', conversation)</c>, which every replica's listener passes here).
/// </summary>
public sealed class DirectLineNotifier : IPgNotificationSubscriber
{
    public const string Channel = "bot_directline";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> subscribers = new(StringComparer.Ordinal);

    public string PgChannel => Channel;

    public Subscription Subscribe(string conversationAddress)
    {
        var subscription = new Subscription(this, conversationAddress);
        subscribers.GetOrAdd(conversationAddress, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    public void OnNotification(string payload)
    {
        if (subscribers.TryGetValue(payload, out var set))
        {
            foreach (var subscription in set.Keys)
            {
                subscription.Signal.Set();
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        if (subscribers.TryGetValue(subscription.ConversationAddress, out var set))
        {
            set.TryRemove(subscription, out _);
            if (set.IsEmpty)
            {
                subscribers.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Subscription, byte>>(subscription.ConversationAddress, set));
            }
        }
    }

    public sealed class Subscription(DirectLineNotifier owner, string conversationAddress) : IDisposable
    {
        public string ConversationAddress { get; } = conversationAddress;
        public AsyncSignal Signal { get; } = new();

        public void Dispose()
        {
            owner.Remove(this);
            Signal.Dispose();
        }
    }
}
