using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>Missing or unsafe bank and broker settings stop the host at start, naming the setting.</summary>
public class FinanceStartupConfigurationTests
{
    [Fact]
    public async Task A_plaid_client_id_without_its_secret_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["Plaid:ClientId"] = "abc" });
        Assert.Equal(2, exit);
        Assert.Contains("Plaid:Secret is required when Plaid:ClientId is set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_ibkr_account_without_live_trading_enabled_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Ibkr:BaseUrl"] = "https://localhost:5000/v1/api",
            ["Ibkr:AccountId"] = "U7654321",
        });
        Assert.Equal(2, exit);
        Assert.Contains("Ibkr:AccountId 'U7654321' is a live account but Ibkr:Live is false", output, StringComparison.Ordinal);
    }
}
