using System.Text.Json;

namespace Bot.Channels;

/// <summary>Reading platform JSON defensively: any element may be of any type, whatever the platform documents.</summary>
public static class JsonMembers
{
    /// <summary>A string member of a JSON object; null when it is absent, of another type, not valid Unicode, or the element is no object.</summary>
    public static string? Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // an escaped lone surrogate
        }
    }
}
