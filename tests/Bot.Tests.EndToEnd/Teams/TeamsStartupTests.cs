using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Teams;

/// <summary>Teams without an App ID accepts unauthenticated activities, so the host refuses it on a non-loopback bind.</summary>
public sealed class TeamsStartupTests
{
    [Fact]
    public async Task Teams_without_an_app_id_is_refused_on_a_non_loopback_bind()
    {
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync("Host=127.0.0.1;Database=unused", new Dictionary<string, string>
        {
            ["Http:Urls"] = $"http://0.0.0.0:{Ports.GetFree()}",
            ["Web:AccessKey"] = "a-long-random-access-key-for-the-test",
            ["Teams:Enabled"] = "true",
        });
        Assert.Equal(2, exit);
        Assert.Contains("Teams:AppId", output, StringComparison.Ordinal);
    }
}
