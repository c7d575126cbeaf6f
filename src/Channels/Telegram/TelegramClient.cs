using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Telegram;

/// <summary>
/// A thin Bot API client: one method per call, <c>ok:false</c> becomes <see cref="TelegramApiException"/>, anything
/// else that is not a Bot API answer becomes <see cref="TelegramTransportException"/>. Exceptions and logs never
/// carry the request URL, which contains the token.
/// </summary>
public sealed class TelegramClient(HttpClient http, IOptions<TelegramOptions> options)
{
    public const string HttpClientName = "telegram";

    public static readonly IReadOnlyList<string> AllowedUpdates = ["message", "callback_query"];

    public Task<TgUser> GetMeAsync(CancellationToken cancellationToken) =>
        CallAsync<TgUser>("getMe", new { }, cancellationToken)!;

    public async Task<IReadOnlyList<TgUpdate>> GetUpdatesAsync(long? offset, int timeoutSeconds, CancellationToken cancellationToken) =>
        await CallAsync<List<TgUpdate>>("getUpdates", new GetUpdatesRequest(offset, timeoutSeconds, AllowedUpdates), cancellationToken) ?? [];

    public Task<TgMessage?> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken) =>
        CallAsync<TgMessage>("sendMessage", request, cancellationToken);

    /// <summary>The spec returns the edited message (or true); the test server returns null. Either is success.</summary>
    public Task EditMessageTextAsync(EditMessageTextRequest request, CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("editMessageText", request, cancellationToken);

    public Task AnswerCallbackQueryAsync(AnswerCallbackQueryRequest request, CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("answerCallbackQuery", request, cancellationToken);

    public Task SendChatActionAsync(SendChatActionRequest request, CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("sendChatAction", request, cancellationToken);

    public Task SetMyCommandsAsync(SetMyCommandsRequest request, CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("setMyCommands", request, cancellationToken);

    public Task SetWebhookAsync(SetWebhookRequest request, CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("setWebhook", request, cancellationToken);

    public Task DeleteWebhookAsync(CancellationToken cancellationToken) =>
        CallAsync<JsonElement?>("deleteWebhook", new { drop_pending_updates = false }, cancellationToken);

    private async Task<T?> CallAsync<T>(string method, object request, CancellationToken cancellationToken)
    {
        var url = $"{options.Value.ApiBaseUrl.TrimEnd('/')}/bot{options.Value.BotToken}/{method}";
        HttpResponseMessage response;
        try
        {
            using var content = JsonContent.Create(request, request.GetType(), options: TelegramJson.Options);
            response = await http.PostAsync(url, content, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new TelegramTransportException(method, exception.HttpRequestError.ToString());
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TelegramTransportException(method, "timed out");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return Parse<T>(method, (int)response.StatusCode, body);
        }
    }

    /// <summary>Reads a Bot API answer. Public for tests of recorded responses.</summary>
    public static T? Parse<T>(string method, int httpStatus, string body)
    {
        TgResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<TgResponse>(body, TelegramJson.Options);
        }
        catch (JsonException)
        {
            parsed = null;
        }
        if (parsed is null || (!parsed.Ok && parsed.ErrorCode is null))
        {
            // Not a Bot API answer (a proxy page, or the test server's 500 for a method it lacks).
            throw httpStatus >= 400 && httpStatus < 500
                ? new TelegramApiException(method, httpStatus, $"HTTP {httpStatus}", null)
                : new TelegramTransportException(method, $"HTTP {httpStatus} without a Bot API answer");
        }
        if (!parsed.Ok)
        {
            var retryAfter = parsed.Parameters?.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            throw new TelegramApiException(method, parsed.ErrorCode!.Value, parsed.Description ?? string.Empty, retryAfter);
        }
        if (parsed.Result is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } result)
        {
            return default;
        }
        if (typeof(T) == typeof(JsonElement?))
        {
            return (T)(object)result;
        }
        return result.ValueKind == JsonValueKind.True ? default : result.Deserialize<T>(TelegramJson.Options);
    }
}
