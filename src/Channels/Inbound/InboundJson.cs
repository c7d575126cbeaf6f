using System.Text.Json;
using Bot.Channels.Access;

namespace Bot.Channels.Inbound;

/// <summary>Step 2a for the channels whose payload is one JSON object: checked once, then read with the platform's own serializer options.</summary>
public static class InboundJson
{
    /// <summary>
    /// The body as <typeparamref name="TPayload"/>, or why it is not one: not JSON, too deep, invalid Unicode
    /// (<see cref="RequestBodies.CheckJson"/>), a member of the wrong type or out of range, or <c>null</c>.
    /// </summary>
    public static InboundParse<TPayload> Parse<TPayload>(byte[] body, JsonSerializerOptions options, string what) where TPayload : class
    {
        if (RequestBodies.CheckJson(body) is { } problem)
        {
            return InboundParse.Refused<TPayload>(problem);
        }
        try
        {
            return JsonSerializer.Deserialize<TPayload>(body, options) is { } payload
                ? InboundParse.Ok(payload)
                : InboundParse.Refused<TPayload>("the body must be " + what + ", not null");
        }
        catch (Exception exception) when (RequestBodies.IsDeserializationError(exception))
        {
            // Converters refuse some values with more than JsonException (Telegram.Bot overflows on a date past DateTime).
            return InboundParse.Refused<TPayload>(RequestBodies.DescribeJsonError(exception));
        }
    }
}
