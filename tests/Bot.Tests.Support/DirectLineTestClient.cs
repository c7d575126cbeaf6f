using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bot.Tests.Support;

/// <summary>A minimal Direct Line client for assertions at the HTTP level (the real directlinejs client is tested end to end).</summary>
public sealed class DirectLineTestClient(HttpClient http)
{
    public string ConversationId { get; private set; } = "";
    public string Token { get; private set; } = "";
    public string StreamUrl { get; private set; } = "";

    /// <summary>A client for an existing conversation, with a token obtained elsewhere.</summary>
    public static DirectLineTestClient Resume(HttpClient http, string conversationId, string token) =>
        new(http) { ConversationId = conversationId, Token = token };

    public static async Task<DirectLineTestClient> StartAsync(HttpClient http)
    {
        var client = new DirectLineTestClient(http);
        var response = await http.PostAsync(new Uri("/v3/directline/conversations", UriKind.Relative), null);
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Starting a conversation answered {(int)response.StatusCode}, expected 201 Created.");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        client.ConversationId = body.GetProperty("conversationId").GetString()!;
        client.Token = body.GetProperty("token").GetString()!;
        client.StreamUrl = body.GetProperty("streamUrl").GetString()!;
        return client;
    }

    public Task<HttpResponseMessage> PostRawAsync(string json, string? token = null, string? conversationId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversationId ?? ConversationId}/activities")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        return http.SendAsync(request);
    }

    public async Task<string> SendAsync(string text, string? clientActivityId = null)
    {
        var json = JsonSerializer.Serialize(new
        {
            type = "message",
            text,
            from = new { id = "dl_user", role = "user" },
            channelData = new { clientActivityID = clientActivityId ?? Guid.NewGuid().ToString("N") },
        });
        var response = await PostRawAsync(json);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Posting an activity answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<List<JsonElement>> ActivitiesAsync(string? watermark = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{ConversationId}/activities?watermark={watermark}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("activities").EnumerateArray().ToList();
    }

    public async Task<List<JsonElement>> BotRepliesAsync() =>
        (await ActivitiesAsync()).Where(a => a.GetProperty("from").GetProperty("role").GetString() == "bot").ToList();

    public async Task<List<JsonElement>> WaitForBotRepliesAsync(int count) =>
        await Eventually.GetAsync(BotRepliesAsync, r => r.Count >= count, $"{count} bot replies in {ConversationId}");
}
