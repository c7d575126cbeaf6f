using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Plaid;

/// <summary>
/// A thin typed client for the Plaid endpoints this service uses (API version 2020-09-14). One method per call; the
/// client owns serialization and turns every non-2xx answer into a <see cref="PlaidApiException"/>. The client id
/// and secret travel as Plaid's <c>PLAID-CLIENT-ID</c>/<c>PLAID-SECRET</c> headers; nothing it logs carries a token.
/// </summary>
public sealed partial class PlaidClient(HttpClient http, IOptions<PlaidOptions> options, ILogger<PlaidClient> logger)
{
    public const string ApiVersion = "2020-09-14";

    public Task<PlaidLinkTokenCreateResponse> CreateLinkTokenAsync(PlaidLinkTokenCreateRequest request, CancellationToken cancellationToken) =>
        PostAsync<PlaidLinkTokenCreateRequest, PlaidLinkTokenCreateResponse>("link/token/create", request, cancellationToken);

    public Task<PlaidPublicTokenExchangeResponse> ExchangePublicTokenAsync(string publicToken, CancellationToken cancellationToken) =>
        PostAsync<PlaidPublicTokenExchangeRequest, PlaidPublicTokenExchangeResponse>("item/public_token/exchange", new(publicToken), cancellationToken);

    public Task<PlaidSandboxPublicTokenCreateResponse> CreateSandboxPublicTokenAsync(string institutionId, IReadOnlyList<string> products, CancellationToken cancellationToken) =>
        PostAsync<PlaidSandboxPublicTokenCreateRequest, PlaidSandboxPublicTokenCreateResponse>("sandbox/public_token/create", new(institutionId, products), cancellationToken);

    public Task<PlaidAccountsResponse> GetBalancesAsync(string accessToken, CancellationToken cancellationToken) =>
        PostAsync<PlaidAccessTokenRequest, PlaidAccountsResponse>("accounts/balance/get", new(accessToken), cancellationToken);

    public Task<PlaidTransactionsSyncResponse> SyncTransactionsAsync(string accessToken, string? cursor, int count, CancellationToken cancellationToken) =>
        PostAsync<PlaidTransactionsSyncRequest, PlaidTransactionsSyncResponse>("transactions/sync", new(accessToken, cursor, count), cancellationToken);

    public Task<PlaidHoldingsResponse> GetHoldingsAsync(string accessToken, CancellationToken cancellationToken) =>
        PostAsync<PlaidAccessTokenRequest, PlaidHoldingsResponse>("investments/holdings/get", new(accessToken), cancellationToken);

    public Task<PlaidInvestmentsTransactionsResponse> GetInvestmentTransactionsAsync(string accessToken, DateOnly from, DateOnly to, int offset, CancellationToken cancellationToken) =>
        PostAsync<PlaidInvestmentsTransactionsRequest, PlaidInvestmentsTransactionsResponse>(
            "investments/transactions/get", new(accessToken, from, to, new PlaidInvestmentsTransactionsOptions(500, offset)), cancellationToken);

    private async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = JsonContent.Create(body, options: PlaidJson.Options),
        };
        request.Headers.Add("PLAID-CLIENT-ID", settings.ClientId);
        request.Headers.Add("PLAID-SECRET", settings.Secret);
        request.Headers.Add("Plaid-Version", ApiVersion);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            LogUnreachable(logger, path, exception.Message);
            throw new PlaidTransportException($"Plaid could not be reached ({path}): {exception.Message}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, path, "timed out");
            throw new PlaidTransportException($"Plaid did not answer in time ({path}).", exception);
        }

        using (response)
        {
            try
            {
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadFromJsonAsync<TResponse>(PlaidJson.Options, cancellationToken)
                        ?? throw new PlaidTransportException($"Plaid answered {path} with an empty body.");
                }
                var error = await response.Content.ReadFromJsonAsync<PlaidErrorBody>(PlaidJson.Options, cancellationToken)
                    ?? new PlaidErrorBody(null, null, null, null, null);
                var exception = new PlaidApiException((int)response.StatusCode, error, response.Headers.RetryAfter?.Delta);
                LogError(logger, path, exception.Status, exception.ErrorType, exception.ErrorCode, exception.RequestId);
                throw exception;
            }
            catch (JsonException exception)
            {
                throw new PlaidTransportException($"Plaid answered {path} with {(int)response.StatusCode} and a body that is not the expected JSON: {exception.Message}", exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plaid {Path} answered {Status} {ErrorType}/{ErrorCode} (request {RequestId})")]
    private static partial void LogError(ILogger logger, string path, int status, string errorType, string errorCode, string? requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plaid {Path} could not be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string path, string reason);
}
