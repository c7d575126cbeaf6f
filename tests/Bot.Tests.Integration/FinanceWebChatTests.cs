using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>The finance commands through the web chat with nothing configured: the demo bank and the paper broker answer.</summary>
public class FinanceWebChatTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    private async Task<string> AskAsync(string text)
    {
        var client = await DirectLineTestClient.StartAsync(app.CreateClient());
        await client.SendAsync(text);
        var reply = Assert.Single(await client.WaitForBotRepliesAsync(1));
        return reply.GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task Dump()
    {
        foreach (var command in new[] { "/balances", "/transactions", "/transactions 90d category:rent", "/portfolio", "/quote AAPL", "/link bank", "/help" })
        {
            Console.WriteLine("=== " + command + "\n" + await AskAsync(command));
        }
    }
}
