using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bot.Finance.Ibkr;

internal static class IbkrJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
