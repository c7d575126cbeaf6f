using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Bot.Finance.Ibkr;

/// <summary>
/// A thin typed client for the IBKR Web API / Client Portal Gateway endpoints this service uses. The base address
/// is the API root (<c>.../v1/api/</c>); paths are relative to it. Errors become <see cref="IbkrApiException"/>
/// (IBKR answered) or <see cref="IbkrTransportException"/> (it could not be reached).
/// </summary>
public sealed partial class IbkrClient(HttpClient http, ILogger<IbkrClient> logger)
{
    public const string SnapshotFields = "31,84,86";

    public Task<IbkrAccountsResponse> GetAccountsAsync(CancellationToken cancellationToken) =>
        SendAsync<IbkrAccountsResponse>(HttpMethod.Get, "iserver/accounts", null, cancellationToken);

    public Task<List<IbkrPosition>> GetPositionsAsync(string accountId, int page, CancellationToken cancellationToken) =>
        SendAsync<List<IbkrPosition>>(HttpMethod.Get, $"portfolio/{Uri.EscapeDataString(accountId)}/positions/{page.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);

    public Task<List<IbkrSecdef>> SearchAsync(string symbol, CancellationToken cancellationToken) =>
        SendAsync<List<IbkrSecdef>>(HttpMethod.Get, $"iserver/secdef/search?symbol={Uri.EscapeDataString(symbol)}&secType=STK", null, cancellationToken);

    /// <summary>Market data fields per contract, keyed by IBKR's field ids (31 last, 84 bid, 86 ask).</summary>
    public Task<List<JsonObject>> SnapshotAsync(long conid, CancellationToken cancellationToken) =>
        SendAsync<List<JsonObject>>(HttpMethod.Get, $"iserver/marketdata/snapshot?conids={conid.ToString(CultureInfo.InvariantCulture)}&fields={SnapshotFields}", null, cancellationToken);

    public Task<IbkrWhatIfResponse> WhatIfAsync(string accountId, IbkrOrder order, CancellationToken cancellationToken) =>
        SendAsync<IbkrWhatIfResponse>(HttpMethod.Post, $"iserver/account/{Uri.EscapeDataString(accountId)}/orders/whatif", new IbkrOrdersRequest([order]), cancellationToken);

    public Task<JsonElement> PlaceOrderAsync(string accountId, IbkrOrder order, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"iserver/account/{Uri.EscapeDataString(accountId)}/orders", new IbkrOrdersRequest([order]), cancellationToken);

    public Task<JsonElement> ReplyAsync(string replyId, bool confirmed, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"iserver/reply/{Uri.EscapeDataString(replyId)}", new IbkrReplyRequest(confirmed), cancellationToken);

    public Task<IbkrLiveOrdersResponse> GetLiveOrdersAsync(CancellationToken cancellationToken) =>
        SendAsync<IbkrLiveOrdersResponse>(HttpMethod.Get, "iserver/account/orders", null, cancellationToken);

    public Task<IbkrTickleResponse> TickleAsync(CancellationToken cancellationToken) =>
        SendAsync<IbkrTickleResponse>(HttpMethod.Post, "tickle", null, cancellationToken);

    /// <summary>Asks the gateway to (re)open the brokerage session after it lapsed.</summary>
    public Task<JsonElement> InitSessionAsync(CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, "iserver/auth/ssodh/init", new IbkrSessionInitRequest(Publish: true, Compete: true), cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: IbkrJson.Options);
        }
        var name = path.Split('?')[0];
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            LogUnreachable(logger, name, exception.Message);
            throw new IbkrTransportException($"The IBKR gateway could not be reached ({name}): {exception.Message}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, name, "timed out");
            throw new IbkrTransportException($"The IBKR gateway did not answer in time ({name}).", exception);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var error = ErrorText(text) ?? response.ReasonPhrase ?? "error";
                LogError(logger, name, (int)response.StatusCode, error);
                throw new IbkrApiException((int)response.StatusCode, error, response.Headers.RetryAfter?.Delta);
            }
            try
            {
                return JsonSerializer.Deserialize<T>(text, IbkrJson.Options)
                    ?? throw new IbkrTransportException($"IBKR answered {name} with an empty body.");
            }
            catch (JsonException exception)
            {
                // Some endpoints answer 200 with {"error": "..."} instead of the documented body.
                if (ErrorText(text) is { } error)
                {
                    throw new IbkrApiException((int)response.StatusCode, error);
                }
                throw new IbkrTransportException($"IBKR answered {name} with a body that is not the expected JSON: {exception.Message}", exception);
            }
        }
    }

    private static string? ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) ? error.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IBKR {Path} answered {Status}: {Error}")]
    private static partial void LogError(ILogger logger, string path, int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "IBKR {Path} could not be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string path, string reason);
}
