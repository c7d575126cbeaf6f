using System.Net;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>The host does not start without the key file that encrypts its key ring, and says which setting to fix.</summary>
public class KeyFileStartupTests
{
    [Fact]
    public async Task A_missing_key_file_setting_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["DataProtection:KeyFile"] = "" });
        Assert.Equal(2, exit);
        Assert.Contains("DataProtection:KeyFile is not set", output, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_that_is_not_there_is_named_with_its_path()
    {
        await using var db = await TestDatabase.CreateAsync();
        var path = Path.Combine(Path.GetTempPath(), "bot-no-such-key-" + Guid.NewGuid().ToString("N"));
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["DataProtection:KeyFile"] = path });
        Assert.Equal(2, exit);
        Assert.Contains($"DataProtection:KeyFile names '{path}', which cannot be read", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_that_does_not_match_the_database_stops_the_host_instead_of_losing_every_token()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var other = TestKeyFile.Create();
        await using (var host = await BotHostProcess.StartAsync(db.ConnectionString))
        {
            // A web chat conversation's token is protected with the key ring, so the ring now holds a key.
            using var http = new HttpClient { BaseAddress = host.BaseUrl };
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(new Uri("/v3/directline/conversations", UriKind.Relative), null)).StatusCode);
            Assert.Equal(0, await host.StopAsync());
        }

        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["DataProtection:KeyFile"] = other.Path });
        Assert.Equal(2, exit);
        Assert.Contains("The Data Protection key ring in the database is encrypted with key file", output, StringComparison.Ordinal);
        Assert.Contains($"but DataProtection:KeyFile ('{other.Path}')", output, StringComparison.Ordinal);
    }
}
