using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Teams;

/// <summary>
/// The Bot Connector REST client: send, update and start conversations at the activity's service URL, with an OAuth
/// client-credentials token cached until shortly before it expires (none when no App ID is configured).
/// </summary>
public sealed class TeamsConnectorClient(HttpClient http, IOptions<TeamsOptions> options, TimeProvider clock, ILogger<TeamsConnectorClient> logger) : IDisposable
{
    private readonly SemaphoreSlim tokenLock = new(1, 1);
    private string? token;
    private DateTimeOffset tokenExpires;

    public void Dispose() => tokenLock.Dispose();

    public Task<SendResult> SendAsync(string serviceUrl, string conversationId, Activity activity, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, Url(serviceUrl, $"v3/conversations/{Uri.EscapeDataString(conversationId)}/activities"), activity, "send", cancellationToken);

    public Task<SendResult> UpdateAsync(string serviceUrl, string conversationId, string activityId, Activity activity, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Put, Url(serviceUrl, $"v3/conversations/{Uri.EscapeDataString(conversationId)}/activities/{Uri.EscapeDataString(activityId)}"),
            activity with { Id = activityId }, "update", cancellationToken);

    /// <summary>Opens a 1:1 conversation with a user (proactive messages); the result's id is the conversation id.</summary>
    public Task<SendResult> CreateConversationAsync(string serviceUrl, string botId, string userId, string? tenantId, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, Url(serviceUrl, "v3/conversations"), new
        {
            bot = new ChannelAccount(botId),
            members = new[] { new ChannelAccount(userId) },
            isGroup = false,
            tenantId,
            channelData = tenantId is null ? null : new { tenant = new { id = tenantId } },
        }, "createConversation", cancellationToken);

    private async Task<SendResult> CallAsync(HttpMethod method, Uri url, object body, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body, body.GetType(), options: ActivityJson.Options) };
        if (await TokenAsync(cancellationToken) is { } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            return new SendResult.RetryLater("Teams connector unreachable: " + exception.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult.RetryLater("Teams connector timed out");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var id = await ReadIdAsync(response, cancellationToken);
                return new SendResult.Sent(id ?? string.Empty);
            }
            TeamsLog.ConnectorError(logger, status, operation);
            return response.StatusCode switch
            {
                HttpStatusCode.Forbidden or HttpStatusCode.NotFound => new SendResult.Unreachable($"Teams answered {status} to {operation}"),
                HttpStatusCode.TooManyRequests or HttpStatusCode.PreconditionFailed or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout
                    or HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError
                    => new SendResult.RetryLater($"Teams answered {status} to {operation}", RetryAfter(response)),
                HttpStatusCode.Unauthorized => ForgetToken(status, operation),
                _ => new SendResult.Failed($"Teams answered {status} to {operation}"),
            };
        }
    }

    private SendResult ForgetToken(int status, string operation)
    {
        token = null;
        return new SendResult.RetryLater($"Teams answered {status} to {operation}");
    }

    private static async Task<string?> ReadIdAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - clock.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };

    private async Task<string?> TokenAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.RequiresAuthentication)
        {
            return null;
        }
        if (token is { } cached && clock.GetUtcNow() < tokenExpires)
        {
            return cached;
        }
        await tokenLock.WaitAsync(cancellationToken);
        try
        {
            if (token is { } again && clock.GetUtcNow() < tokenExpires)
            {
                return again;
            }
            using var content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = settings.AppId!,
                ["client_secret"] = settings.AppPassword ?? string.Empty,
                ["scope"] = settings.TokenScope,
            });
            using var response = await http.PostAsync(settings.EffectiveTokenEndpoint, content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                TeamsLog.ConnectorError(logger, (int)response.StatusCode, "token");
                throw new HttpRequestException($"The token endpoint answered {(int)response.StatusCode}.");
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var accessToken = json.RootElement.GetProperty("access_token").GetString()!;
            var lifetime = json.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? seconds : 3600;
            token = accessToken;
            tokenExpires = clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(0, lifetime - 300));
            return accessToken;
        }
        finally
        {
            tokenLock.Release();
        }
    }

    private static Uri Url(string serviceUrl, string path) => new(new Uri(serviceUrl.TrimEnd('/') + "/"), path);
}
