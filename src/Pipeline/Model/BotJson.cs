using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Pipeline.Model;

/// <summary>The one set of JSON options for what the service persists (events, inbox and outbox payloads).</summary>
public static class BotJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Expected a {typeof(T).Name}, found null.");
}

/// <summary>The body of a thread event as stored in <c>thread_events.content</c>.</summary>
public sealed record EventContent
{
    public string? Text { get; init; }
    public ActionInvoke? Action { get; init; }
    public IReadOnlyList<MessageButton>? Buttons { get; init; }
    /// <summary>The platform's id of the message this event came from or went out as (when known).</summary>
    public string? PlatformMessageId { get; init; }
    /// <summary>Tool calls the assistant made in this step.</summary>
    public IReadOnlyList<ToolCallRecord>? ToolCalls { get; init; }
    /// <summary>The result of one tool call (role <c>tool</c>).</summary>
    public ToolResultRecord? ToolResult { get; init; }
    /// <summary>Set on the steps of a delegated sub-agent: the task it was given. They stay out of the main prompt.</summary>
    public string? Subagent { get; init; }
    /// <summary>The key of the card the message carried (<see cref="Card.Key"/>): its final state is the thread's last outbox row with that card.</summary>
    public string? CardKey { get; init; }
    /// <summary>On the person's event of a voice note: the reference to the audio, and once transcribed what was heard.</summary>
    public VoiceNote? Voice { get; init; }
}

/// <summary>A tool call as the model made it; <see cref="Arguments"/> is JSON.</summary>
public sealed record ToolCallRecord(string Id, string Name, string Arguments);

/// <summary>A tool's answer to one call; <see cref="Content"/> is JSON (or an error text when <see cref="IsError"/>).</summary>
public sealed record ToolResultRecord(string CallId, string Name, string Content, bool IsError);
