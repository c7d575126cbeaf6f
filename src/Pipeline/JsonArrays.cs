using System.Text.Json;

namespace Bot.Pipeline;

/// <summary>Writes a JSON array through a callback into a string (the door functions take their rows as jsonb).</summary>
internal static class JsonArrays
{
    public static string Write(Action<Utf8JsonWriter> items)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            items(json);
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
