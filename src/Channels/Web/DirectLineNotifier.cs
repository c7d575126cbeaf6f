using System.Collections.Concurrent;
using System.Text.Json;
using Bot.Pipeline;

namespace Bot.Channels.Web;

/// <summary>
/// Wakes the open Direct Line streams of a conversation when an activity is committed (by any replica: the
/// insert raises <c>pg_notify('bot_directline', conversation)</c>, which every replica's listener passes here),
/// and carries live activities (typing, streamed text) that are sent to open streams and never stored: their
/// payload is <c>{"c": conversation, "a": activity}</c>.
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
        string address;
        string? live = null;
        if (payload.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
                address = document.RootElement.GetProperty("c").GetString() ?? string.Empty;
                live = document.RootElement.GetProperty("a").GetRawText();
            }
            catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return;
            }
        }
        else
        {
            address = payload;
        }
        if (subscribers.TryGetValue(address, out var set))
        {
            foreach (var subscription in set.Keys)
            {
                if (live is not null)
                {
                    subscription.Live.Enqueue(live);
                }
                subscription.Signal.Set();
            }
        }
    }

    /// <summary>The NOTIFY payload of a live activity (PostgreSQL caps payloads at 8000 bytes; callers keep under it).</summary>
    public static string LivePayload(string conversationAddress, string activityJson) =>
        "{\"c\":" + JsonSerializer.Serialize(conversationAddress) + ",\"a\":" + activityJson + "}";

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

        /// <summary>Live activities waiting to be written to this stream.</summary>
        public ConcurrentQueue<string> Live { get; } = new();

        public void Dispose()
        {
            owner.Remove(this);
            Signal.Dispose();
        }
    }
}
