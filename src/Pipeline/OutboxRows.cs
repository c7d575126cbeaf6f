using System.Text.Json;
using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>
/// An outbox row as <c>enqueue_outbox</c> takes it (migration 0009). The outbox has one door: every row is queued by that
/// function, from the JSON written here (a turn's replies, a card redraw recorded with a Teams press, a message sent
/// outside a turn by <see cref="OutboxWriter"/>, the note that a reply was cut short queued by <see cref="OutboxProcessor"/>).
/// <see cref="OutboxProcessor"/> alone moves a row on from Pending.
/// </summary>
internal static class OutboxRows
{
    public static void Write(Utf8JsonWriter json, OutgoingMessage message, Guid? threadId, Guid conversationId, string channel, DateTimeOffset expiresAt)
    {
        json.WriteStartObject();
        json.WriteString("id", message.Id);
        if (threadId is { } thread)
        {
            json.WriteString("thread_id", thread);
        }
        else
        {
            json.WriteNull("thread_id");
        }
        json.WriteString("conversation_id", conversationId);
        json.WriteString("channel", channel);
        json.WritePropertyName("payload");
        JsonSerializer.Serialize(json, message, BotJson.Options);
        json.WriteString("expires_at", expiresAt);
        json.WriteEndObject();
    }
}
