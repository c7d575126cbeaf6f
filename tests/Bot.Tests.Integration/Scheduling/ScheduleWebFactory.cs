using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Scheduling;

/// <summary>The host with short scheduling intervals allowed and run outcomes checked often.</summary>
public class ScheduleWebFactory : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Scheduling:MinIntervalSeconds"] = "1",
        ["Scheduling:StatusPollSeconds"] = "0.2",
    };
}

/// <summary>Reading and pressing what the bot sent over Direct Line.</summary>
public static partial class WebChatReplies
{
    public static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;

    /// <summary>The next bot reply after the <paramref name="seen"/> ones already read.</summary>
    public static async Task<JsonElement> NextAsync(DirectLineTestClient client, int seen) => (await client.WaitForBotRepliesAsync(seen + 1))[seen];

    /// <summary>The <c>#code</c> a schedule reply names.</summary>
    public static string Code(string text) => CodePattern().Match(text) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No schedule code in: " + text);

    /// <summary>Presses a suggested-action button the way Web Chat does for messageBack: its value comes back as the activity's value.</summary>
    public static async Task PressAsync(DirectLineTestClient client, JsonElement activity, string label)
    {
        var button = activity.GetProperty("suggestedActions").GetProperty("actions").EnumerateArray()
            .Single(a => a.GetProperty("title").GetString() == label);
        var press = JsonSerializer.Serialize(new { type = "message", value = button.GetProperty("value"), channelData = new { clientActivityID = Guid.NewGuid().ToString("N") } });
        (await client.PostRawAsync(press)).EnsureSuccessStatusCode();
    }

    public static IReadOnlyList<string> Buttons(JsonElement activity) =>
        activity.TryGetProperty("suggestedActions", out var actions)
            ? actions.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("title").GetString()!).ToList()
            : [];

    [GeneratedRegex("`#([0-9a-f]{6})`")]
    private static partial Regex CodePattern();
}
