using System.Net.Http.Json;
using System.Text.Json;

namespace Bot.Tests.Support.Hostile;

/// <summary>
/// A real host (the built BotHost.dll as a process) on a database of its own with every channel on behind its real
/// credential checks: Teams with JWTs from a local OpenID/JWKS server (<see cref="FakeBotFramework"/>), Slack signed
/// requests (replies go to <see cref="FakeSlackApi"/>), Telegram in webhook mode with its secret (the Bot API is
/// <see cref="TelegramTestServer"/>), and the web chat's Direct Line. Disposing stops everything it started.
/// </summary>
public sealed class AllChannelsHost : IAsyncDisposable
{
    public const string SlackSecret = "all-channels-signing-secret";
    public const string TelegramSecret = "all-channels-webhook-secret";
    public const string TelegramToken = "123456:ALL-channels_token";

    private AllChannelsHost(TestDatabase db, FakeBotFramework botFramework, FakeSlackApi slack, TelegramTestServer telegram, BotHostProcess host)
    {
        Database = db;
        BotFramework = botFramework;
        Slack = slack;
        Telegram = telegram;
        Host = host;
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = host.BaseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public TestDatabase Database { get; }
    public FakeBotFramework BotFramework { get; }
    public FakeSlackApi Slack { get; }
    public TelegramTestServer Telegram { get; }
    public BotHostProcess Host { get; }
    public HttpClient Http { get; }

    public static async Task<AllChannelsHost> StartAsync(IDictionary<string, string>? more = null)
    {
        var db = await TestDatabase.CreateAsync();
        var botFramework = await FakeBotFramework.StartAsync();
        var slack = FakeSlackApi.Start();
        var telegram = await TelegramTestServer.StartAsync();
        var port = Ports.GetFree();
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:PollSeconds"] = "0.2",
            ["Teams:AppId"] = FakeBotFramework.AppId,
            ["Teams:AppPassword"] = "all-channels-password",
            ["Teams:OpenIdMetadataUrl"] = botFramework.MetadataUrl,
            ["Teams:TokenEndpoint"] = botFramework.TokenUrl,
            ["Slack:BotToken"] = slack.Token,
            ["Slack:SigningSecret"] = SlackSecret,
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
            ["Telegram:BotToken"] = TelegramToken,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
            ["Telegram:Mode"] = "webhook",
            ["Telegram:WebhookSecret"] = TelegramSecret,
            ["Telegram:WebhookUrl"] = $"http://127.0.0.1:{port}/telegram/webhook",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        try
        {
            var host = await BotHostProcess.StartAsync(db.ConnectionString, settings, port);
            return new AllChannelsHost(db, botFramework, slack, telegram, host);
        }
        catch
        {
            await telegram.DisposeAsync();
            await slack.DisposeAsync();
            await botFramework.DisposeAsync();
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Direct Line conversation and its token, minted as the web chat's (loopback) owner.</summary>
    public async Task<(string ConversationId, string Token)> DirectLineConversationAsync()
    {
        using var minted = await Http.PostAsync("/v3/directline/tokens/generate", null);
        minted.EnsureSuccessStatusCode();
        var body = await minted.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!);
    }

    /// <summary>Everything inbound recording writes (inbox, conversations, users, identities), as one number.</summary>
    public Task<long> StoredAsync() => Database.CountAsync(
        "SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM conversations) + (SELECT count(*) FROM users) + (SELECT count(*) FROM channel_identities)");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        await Telegram.DisposeAsync();
        await Slack.DisposeAsync();
        await BotFramework.DisposeAsync();
        await Database.DisposeAsync();
    }
}
