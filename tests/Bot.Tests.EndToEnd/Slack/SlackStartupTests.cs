using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Slack;

/// <summary>Slack settings are checked at start, and the message names the setting without echoing a secret.</summary>
public class SlackStartupTests
{
    [Fact]
    public async Task A_bot_token_without_a_signing_secret_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        const string token = "xoxb-do-not-print-me-123456";
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["Slack:BotToken"] = token });
        Assert.Equal(2, exit);
        Assert.Contains("Slack:SigningSecret is not set", output, StringComparison.Ordinal);
        Assert.DoesNotContain(token, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_api_base_url_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Slack:BotToken"] = "xoxb-x",
            ["Slack:SigningSecret"] = "secret-value-not-to-print",
            ["Slack:ApiBaseUrl"] = "slack.com/api",
        });
        Assert.Equal(2, exit);
        Assert.Contains("Slack:ApiBaseUrl", output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value-not-to-print", output, StringComparison.Ordinal);
    }
}
