using System.Net;
using Bot.Finance.Plaid;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Unit;

public class PlaidErrorTests
{
    private static PlaidApiException Error(string type, string code, int status = 400, string? display = null, TimeSpan? retryAfter = null) =>
        new(status, new PlaidErrorBody(type, code, "internal detail", display, "req-1"), retryAfter);

    [Fact]
    public void Login_required_asks_the_user_to_relink()
    {
        var advice = PlaidErrorAdvice.For(Error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED"));
        Assert.Equal(PlaidRemedy.Relink, advice.Remedy);
        Assert.Contains("sign in again", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limits_ask_to_retry_later_and_use_retry_after()
    {
        var advice = PlaidErrorAdvice.For(Error("RATE_LIMIT_EXCEEDED", "TRANSACTIONS_LIMIT", 429, retryAfter: TimeSpan.FromSeconds(150)));
        Assert.Equal(PlaidRemedy.RetryLater, advice.Remedy);
        Assert.Contains("in about 3 minute(s)", advice.Message, StringComparison.Ordinal);
        Assert.Equal(PlaidRemedy.RetryLater, PlaidErrorAdvice.For(Error("RATE_LIMIT_EXCEEDED", "RATE_LIMIT", 429)).Remedy);
    }

    [Theory]
    [InlineData("INVALID_INPUT", "INVALID_API_KEYS")]
    [InlineData("INVALID_INPUT", "UNAUTHORIZED_ENVIRONMENT")]
    [InlineData("INVALID_REQUEST", "MISSING_FIELDS")]
    public void A_rejected_configuration_is_the_operators_to_fix(string type, string code)
    {
        var advice = PlaidErrorAdvice.For(Error(type, code));
        Assert.Equal(PlaidRemedy.Operator, advice.Remedy);
        Assert.Contains("Plaid:ClientId", advice.Message, StringComparison.Ordinal);
        Assert.Contains(code, advice.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ITEM_ERROR", "PRODUCT_NOT_READY", "still being prepared")]
    [InlineData("INSTITUTION_ERROR", "INSTITUTION_DOWN", "not answering")]
    [InlineData("API_ERROR", "INTERNAL_SERVER_ERROR", "not answering")]
    public void Temporary_trouble_asks_to_retry_later(string type, string code, string words)
    {
        var advice = PlaidErrorAdvice.For(Error(type, code, 500));
        Assert.Equal(PlaidRemedy.RetryLater, advice.Remedy);
        Assert.Contains(words, advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vanished_item_needs_a_new_link_and_unknown_errors_show_plaids_display_message()
    {
        Assert.Equal(PlaidRemedy.LinkAgain, PlaidErrorAdvice.For(Error("INVALID_INPUT", "INVALID_ACCESS_TOKEN")).Remedy);
        var other = PlaidErrorAdvice.For(Error("ITEM_ERROR", "SOMETHING_NEW", display: "The bank says no."));
        Assert.Equal(new PlaidAdvice(PlaidRemedy.None, "The bank says no."), other);
    }

    [Fact]
    public async Task The_client_sends_plaids_headers_and_reads_errors_without_leaking_the_token()
    {
        var stub = new StubHttpHandler((_, _) =>
        {
            var response = StubHttpHandler.Json(
                """{"error_type":"RATE_LIMIT_EXCEEDED","error_code":"ACCOUNTS_BALANCE_GET_LIMIT","error_message":"rate","display_message":null,"request_id":"r9"}""",
                HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return response;
        });
        var client = new PlaidClient(new HttpClient(stub) { BaseAddress = new Uri("https://sandbox.plaid.example/") },
            Options.Create(new PlaidOptions { ClientId = "cid", Secret = "sec" }), NullLogger<PlaidClient>.Instance);

        var error = await Assert.ThrowsAsync<PlaidApiException>(() => client.GetBalancesAsync("access-secret-token", default));
        Assert.Equal((429, "RATE_LIMIT_EXCEEDED", "ACCOUNTS_BALANCE_GET_LIMIT", "r9"), (error.Status, error.ErrorType, error.ErrorCode, error.RequestId));
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.DoesNotContain("access-secret-token", error.Message, StringComparison.Ordinal);

        var (_, path, body, request) = Assert.Single(stub.Requests);
        Assert.Equal("/accounts/balance/get", path);
        Assert.Equal("""{"access_token":"access-secret-token"}""", body);
        Assert.Equal("cid", request.Headers.GetValues("PLAID-CLIENT-ID").Single());
        Assert.Equal("sec", request.Headers.GetValues("PLAID-SECRET").Single());
        Assert.Equal("2020-09-14", request.Headers.GetValues("Plaid-Version").Single());
    }

    [Fact]
    public async Task A_non_json_answer_is_a_transport_failure()
    {
        var stub = new StubHttpHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>proxy error</html>") });
        var client = new PlaidClient(new HttpClient(stub) { BaseAddress = new Uri("https://sandbox.plaid.example/") },
            Options.Create(new PlaidOptions { ClientId = "cid", Secret = "sec" }), NullLogger<PlaidClient>.Instance);
        await Assert.ThrowsAsync<PlaidTransportException>(() => client.GetHoldingsAsync("t", default));
    }
}
