using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bot.Channels.Slack;

/// <summary>What one Web API call came to: the parsed answer, or Slack's error code (with its retry wish).</summary>
public sealed record SlackResponse(bool Ok, JsonElement Body, string? Error, TimeSpan? RetryAfter, bool Transient);

/// <summary>
/// A thin Slack Web API client: one method per call we make, one place that owns serialization, <c>ok:false</c>
/// errors and rate limits (HTTP 429 or <c>ratelimited</c>, with <c>Retry-After</c>).
/// </summary>
public sealed class SlackClient(HttpClient http)
{
    private static readonly HashSet<string> TransientErrors = ["ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

    public Task<SlackResponse> AuthTestAsync(CancellationToken cancellationToken) => CallAsync("auth.test", new JsonObject(), null, cancellationToken);

    public Task<SlackResponse> PostMessageAsync(string channel, string text, string? threadTs, JsonArray? blocks, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["channel"] = channel, ["text"] = text, ["unfurl_links"] = false };
        if (threadTs is not null)
        {
            body["thread_ts"] = threadTs;
        }
        if (blocks is not null)
        {
            body["blocks"] = blocks;
        }
        return CallAsync("chat.postMessage", body, null, cancellationToken);
    }

    public Task<SlackResponse> UpdateAsync(string channel, string ts, string text, JsonArray? blocks, CancellationToken cancellationToken)
    {
        // An empty blocks array removes earlier blocks (the buttons of a decided plan).
        var body = new JsonObject { ["channel"] = channel, ["ts"] = ts, ["text"] = text, ["blocks"] = blocks ?? [] };
        return CallAsync("chat.update", body, null, cancellationToken);
    }

    public Task<SlackResponse> PostEphemeralAsync(string channel, string user, string text, string? threadTs, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["channel"] = channel, ["user"] = user, ["text"] = text };
        if (threadTs is not null)
        {
            body["thread_ts"] = threadTs;
        }
        return CallAsync("chat.postEphemeral", body, null, cancellationToken);
    }

    /// <summary>Publishes <paramref name="view"/> (type <c>home</c>) as <paramref name="user"/>'s App Home tab.</summary>
    public Task<SlackResponse> PublishViewAsync(string user, JsonObject view, CancellationToken cancellationToken) =>
        CallAsync("views.publish", new JsonObject { ["user_id"] = user, ["view"] = view }, null, cancellationToken);

    public Task<SlackResponse> OpenConversationAsync(string user, CancellationToken cancellationToken) =>
        CallAsync("conversations.open", new JsonObject { ["users"] = user }, null, cancellationToken);

    /// <summary>A Socket Mode WebSocket URL; this call takes the app-level token, not the bot token.</summary>
    public Task<SlackResponse> OpenConnectionAsync(string appToken, CancellationToken cancellationToken) =>
        CallAsync("apps.connections.open", new JsonObject(), appToken, cancellationToken);

    public async Task<SlackResponse> CallAsync(string method, JsonObject body, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            return new SlackResponse(false, default, "transport: " + exception.Message, null, Transient: true);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SlackResponse(false, default, "transport: timeout", null, Transient: true);
        }
        using (response)
        {
            var retryAfter = RetryAfterOf(response.Headers.RetryAfter);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return new SlackResponse(false, default, "ratelimited", retryAfter ?? TimeSpan.FromSeconds(1), Transient: true);
            }
            if ((int)response.StatusCode >= 500)
            {
                return new SlackResponse(false, default, $"http_{(int)response.StatusCode}", retryAfter, Transient: true);
            }
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            }
            catch (JsonException)
            {
                return new SlackResponse(false, default, $"http_{(int)response.StatusCode}: not JSON", retryAfter, Transient: false);
            }
            var ok = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("ok", out var okValue) && okValue.ValueKind == JsonValueKind.True;
            if (ok)
            {
                return new SlackResponse(true, json, null, null, Transient: false);
            }
            var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "unknown_error";
            return new SlackResponse(false, json, error, retryAfter, TransientErrors.Contains(error));
        }
    }

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
}
