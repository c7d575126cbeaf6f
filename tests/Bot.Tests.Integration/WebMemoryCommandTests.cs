using System.Text.Json;
using Bot.Agent.Memory;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary><c>/memory</c> through the web chat with no model configured, including its confirmation button.</summary>
public class WebMemoryCommandTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    [Fact]
    public async Task Memory_is_shown_and_cleared_only_after_confirmation()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync("/memory");
        Assert.Equal("I don't remember anything about you yet.", Text((await client.WaitForBotRepliesAsync(1))[0]));

        var owner = await app.Database.ScalarAsync<Guid>("SELECT user_id FROM channel_identities WHERE channel = 'web' AND platform_user_id = 'owner'");
        using (var scope = app.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<MemoryStore>();
            await store.AddAsync(owner, "preference", "Prefers a weekly summary", null, default);
            await store.AddAsync(owner, "fact", "Saves for a house deposit", null, default);
        }

        await client.SendAsync("/memory");
        var shown = Text((await client.WaitForBotRepliesAsync(2))[1]);
        Assert.Contains("Prefers a weekly summary", shown, StringComparison.Ordinal);
        Assert.Contains("Saves for a house deposit", shown, StringComparison.Ordinal);

        await client.SendAsync("/memory clear");
        var ask = (await client.WaitForBotRepliesAsync(3))[2];
        Assert.Contains("deletes all 2 things", Text(ask), StringComparison.Ordinal);
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM user_memories WHERE user_id = $1", owner));
        var button = ask.GetProperty("suggestedActions").GetProperty("actions")[0];
        Assert.Equal("Yes, forget everything", button.GetProperty("title").GetString());

        // Press it, as Web Chat does for a messageBack action: the value goes back as the activity's value.
        var press = JsonSerializer.Serialize(new { type = "message", value = button.GetProperty("value"), channelData = new { clientActivityID = "press-1" } });
        (await client.PostRawAsync(press)).EnsureSuccessStatusCode();
        Assert.Equal("Done: I forgot 2 things about you.", Text((await client.WaitForBotRepliesAsync(4))[3]));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM user_memories WHERE user_id = $1", owner));
    }

    [Fact]
    public async Task An_unknown_button_changes_nothing_and_says_so()
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        (await client.PostRawAsync("""{"type":"message","value":{"action":"/transfer-all-money","args":"now"}}""")).EnsureSuccessStatusCode();
        Assert.Contains("not one I know", Text((await client.WaitForBotRepliesAsync(1))[0]), StringComparison.Ordinal);
    }

    private static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;
}
