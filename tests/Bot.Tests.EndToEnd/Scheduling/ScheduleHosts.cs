using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Scheduling;

/// <summary>Settings and reads shared by the scheduling tests on real host processes.</summary>
internal static partial class ScheduleHosts
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static Dictionary<string, string> Settings(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Pipeline:LeaseSeconds"] = "5",
            ["Scheduling:MinIntervalSeconds"] = "1",
            ["Scheduling:StatusPollSeconds"] = "0.3",
            ["Scheduling:CheckinSeconds"] = "2",
            ["Scheduling:IdleWaitSeconds"] = "1",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        return settings;
    }

    public static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;

    /// <summary>Sends a command and returns the bot's reply to it (the next bot activity).</summary>
    public static async Task<string> AskAsync(DirectLineTestClient client, string text)
    {
        var before = (await client.BotRepliesAsync()).Count;
        await client.SendAsync(text);
        return Text((await client.WaitForBotRepliesAsync(before + 1))[before]);
    }

    public static async Task<Guid> ScheduleIdAsync(TestDatabase db, string reply)
    {
        var code = CodePattern().Match(reply) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No schedule code in: " + reply);
        return await db.ScalarAsync<Guid>("SELECT id FROM schedules WHERE replace(id::text, '-', '') LIKE '%' || $1", code);
    }

    [GeneratedRegex("`#([0-9a-f]{6})`")]
    private static partial Regex CodePattern();
}
