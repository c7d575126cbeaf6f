using System.Text.Json;
using Bot.Pipeline.Model;

namespace Bot.Pipeline;

/// <summary>
/// A thread event as <c>append_thread_events</c> takes it (migrations 0009 and 0010). Thread events have one door: that function
/// writes every one (the person's message in <c>record_inbound</c>, a turn's steps and replies, a message sent outside a
/// turn), from the JSON written here or, for the person's message, by <c>record_inbound</c> from its own item.
/// </summary>
internal static class ThreadEventRows
{
    public static void Write(Utf8JsonWriter json, Guid id, string role, EventContent content, DateTimeOffset at) =>
        Write(json, id, null, null, role, content, at);

    /// <summary>An event that names its thread and turn, as the set-based door takes it (migration 0010).</summary>
    public static void Write(Utf8JsonWriter json, Guid id, Guid? threadId, Guid? turnId, string role, EventContent content, DateTimeOffset at)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        if (threadId is { } thread)
        {
            json.WriteString("thread_id", thread);
        }
        if (turnId is { } turn)
        {
            json.WriteString("turn_id", turn);
        }
        json.WriteString("role", role);
        json.WritePropertyName("content");
        JsonSerializer.Serialize(json, content, BotJson.Options);
        json.WriteString("at", at);
        json.WriteEndObject();
    }

    /// <summary>A JSON array of events, for the function's parameter.</summary>
    public static string Array(IEnumerable<(Guid Id, string Role, EventContent Content, DateTimeOffset At)> events) =>
        JsonArrays.Write(json =>
        {
            foreach (var (id, role, content, at) in events)
            {
                Write(json, id, role, content, at);
            }
        });
}
