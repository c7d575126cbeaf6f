using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>Missing or unsafe settings stop the host at start with a message that names the setting.</summary>
public class StartupConfigurationTests
{
    [Fact]
    public async Task Missing_connection_string_is_named()
    {
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync("", new Dictionary<string, string>());
        Assert.Equal(2, exit);
        Assert.Contains("ConnectionStrings:Bot is not set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_loopback_bind_without_an_access_key_is_refused()
    {
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(
            "Host=127.0.0.1;Database=unused", new Dictionary<string, string> { ["Http:Urls"] = $"http://0.0.0.0:{Ports.GetFree()}" });
        Assert.Equal(2, exit);
        Assert.Contains("Web:AccessKey is not set", output, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/", "", "Web:Oidc:ClientSecret must be set")]
    [InlineData("http://idp.example.com/", "not-a-real-secret", "Web:Oidc:Authority must use https")]
    public async Task An_OpenID_Connect_sign_in_that_cannot_work_is_named(string authority, string secret, string problem)
    {
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync("Host=127.0.0.1;Database=unused", new Dictionary<string, string>
        {
            ["Web:Oidc:Authority"] = authority,
            ["Web:Oidc:ClientId"] = "bot-web",
            ["Web:Oidc:ClientSecret"] = secret,
        });
        Assert.Equal(2, exit);
        Assert.Contains(problem, output, StringComparison.Ordinal);
        if (secret.Length > 0)
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_out_of_range_pipeline_setting_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["Pipeline:TurnWorkers"] = "-1" });
        Assert.Equal(2, exit);
        Assert.Contains("TurnWorkers", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_reported_without_its_password()
    {
        var port = Ports.GetFree(); // nothing listens there
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(
            $"Host=127.0.0.1;Port={port};Database=bot;Username=bot;Password=s3cret-Pa55;Timeout=1",
            new Dictionary<string, string> { ["Database:StartupWaitSeconds"] = "2" });
        Assert.Equal(2, exit);
        Assert.Contains($"'bot' on 127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-Pa55", output, StringComparison.Ordinal);
    }
}
