using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>The real host with Teams authentication on, and the fake Bot Framework it trusts.</summary>
public class TeamsHostFixture : IAsyncLifetime
{
    public FakeBotFramework BotFramework { get; private set; } = null!;
    public TeamsHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        BotFramework = await FakeBotFramework.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Teams:AppId"] = FakeBotFramework.AppId,
            ["Teams:AppPassword"] = "test-password",
            ["Teams:OpenIdMetadataUrl"] = BotFramework.MetadataUrl,
            ["Teams:TokenEndpoint"] = BotFramework.TokenUrl,
        };
        foreach (var (key, value) in await StartMoreAsync())
        {
            settings[key] = value;
        }
        Host = new TeamsHost(settings);
        await ((IAsyncLifetime)Host).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Host).DisposeAsync();
        await StopMoreAsync();
        await BotFramework.DisposeAsync();
    }

    /// <summary>Other servers the host talks to, started before it; returns the settings that point the host at them.</summary>
    protected virtual Task<IDictionary<string, string>> StartMoreAsync() => Task.FromResult<IDictionary<string, string>>(new Dictionary<string, string>());

    protected virtual Task StopMoreAsync() => Task.CompletedTask;

    public async Task<HttpResponseMessage> PostAsync(JsonObject activity, string? token)
    {
        using var client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await client.SendAsync(request);
    }

    /// <summary>An activity as Teams posts it, with a valid token.</summary>
    public Task<HttpResponseMessage> PostAsync(JsonObject activity) => PostAsync(activity, BotFramework.Token());

    /// <summary>A personal-chat message as Teams posts it.</summary>
    public JsonObject Message(string text, string? id = null, string conversationId = "a:personal-1", string userId = "29:user-1", string? serviceUrl = null) => new()
    {
        ["type"] = "message",
        ["id"] = id ?? Guid.NewGuid().ToString("N"),
        ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
        ["channelId"] = "msteams",
        ["serviceUrl"] = serviceUrl ?? BotFramework.ServiceUrl,
        ["from"] = new JsonObject { ["id"] = userId, ["name"] = "Ada", ["aadObjectId"] = "aad-" + userId },
        ["conversation"] = new JsonObject { ["id"] = conversationId, ["conversationType"] = "personal", ["tenantId"] = "tenant-1" },
        ["recipient"] = new JsonObject { ["id"] = "28:" + FakeBotFramework.AppId, ["name"] = "Finance bot" },
        ["text"] = text,
    };
}

public sealed class TeamsHost(IDictionary<string, string> settings) : BotAppFactory
{
    protected override IDictionary<string, string> Settings => settings;
}

internal static class Json
{
    public static JsonObject Parse(string text) => (JsonObject)JsonNode.Parse(text)!;

    public static string Serialize(object value) => JsonSerializer.Serialize(value);
}
