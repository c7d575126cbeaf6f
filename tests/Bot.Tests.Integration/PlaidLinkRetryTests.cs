using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Finance.Bank;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// Linking a bank survives a transient error at any step: the access token is stored before any follow-up call, the
/// one-time code is spent only when the link is complete, a retry finishes what is left without exchanging again,
/// and two posts of the same code at once exchange its public token once. Plaid is Prism serving Plaid's spec, with
/// <see cref="PlaidFaults"/> breaking the step a test names.
/// </summary>
[Collection(PlaidPrismCollection.Name)]
public partial class PlaidLinkRetryTests(PlaidPrismFixture fixture) : IAsyncLifetime
{
    private const string ExampleAccessToken = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6";
    private const string Exchange = "/item/public_token/exchange";
    private const string Balances = "/accounts/balance/get";

    private readonly ContractRecorder recorder = new();
    private readonly PlaidFaults faults = new();
    private PlaidHostFactory app = null!;

    public async Task InitializeAsync()
    {
        app = new PlaidHostFactory(fixture.Prism.BaseUrl, recorder, faults);
        await ((IAsyncLifetime)app).InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)app).DisposeAsync();

    [Fact]
    public async Task A_failure_after_the_exchange_keeps_the_stored_token_and_a_retry_finishes_the_link()
    {
        var (chat, url) = await NewLinkAsync();
        faults.Unreachable(Balances); // the institution lookup that follows the exchange

        var first = await PostAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.True(first.Linked);
        Assert.Equal("post", first.Retry);
        Assert.StartsWith("Your bank is linked, but Plaid did not answer", first.Message, StringComparison.Ordinal);

        // The token is stored (encrypted) and the session names its item; the code is not spent.
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_items"));
        var stored = await app.Database.ScalarAsync<string>("SELECT protected_access_token FROM bank_items");
        Assert.Equal(ExampleAccessToken, app.Services.GetRequiredService<BankTokenProtector>().Unprotect(stored!));
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT institution_name FROM bank_items"));
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM bank_link_sessions s JOIN bank_items i ON i.id = s.linked_bank_item_id WHERE s.used_at IS NULL AND s.claimed_until IS NULL"));
        var page = await app.CreateClient().GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Your bank is linked", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The retry runs only what is left: no second exchange, one connection, and now the code is spent.
        var retry = await PostAsync(url);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal("Chase is connected. You can close this page and return to the chat.", retry.Message);
        Assert.Null(retry.Retry);
        Assert.Equal(1, ExchangeCount());
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_items WHERE institution_name = 'Chase'"));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_link_sessions WHERE used_at IS NOT NULL"));
        var late = await PostAsync(url); // say, the answer to the retry was lost and the page tries once more
        Assert.Equal(HttpStatusCode.Gone, late.Status);
        Assert.True(late.Linked);
        Assert.StartsWith("This link was already used, and your bank is connected.", late.Message, StringComparison.Ordinal);

        await chat.SendAsync("/balances");
        Assert.Contains("Plaid Checking", await ReplyAsync(chat, 2), StringComparison.Ordinal);
        recorder.AssertAllConform();
    }

    [Fact]
    public async Task A_failure_in_the_exchange_stores_nothing_and_the_same_link_works_again()
    {
        var (_, url) = await NewLinkAsync();

        faults.Unreachable(Exchange);
        var unreachable = await PostAsync(url);
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.Status);
        Assert.False(unreachable.Linked);
        Assert.Equal("post", unreachable.Retry);
        Assert.Equal("Plaid did not answer, so nothing was linked. Press Try again in a moment.", unreachable.Message);
        await AssertNothingLinkedAsync();

        // Plaid did the exchange, but its answer (with the access token) never arrived: still nothing stored.
        faults.AnswerLost(Exchange);
        Assert.Equal(HttpStatusCode.BadGateway, (await PostAsync(url)).Status);
        await AssertNothingLinkedAsync();

        // Plaid refuses the public token (used up by the lost exchange): open Plaid again, the same link still works.
        faults.Next = (Exchange,
            """{"error_type":"INVALID_INPUT","error_code":"INVALID_PUBLIC_TOKEN","error_message":"provided public token is expired","display_message":null,"request_id":"r1"}""");
        var refused = await PostAsync(url);
        Assert.Equal(HttpStatusCode.BadGateway, refused.Status);
        Assert.Equal("plaid", refused.Retry);
        Assert.Contains("nothing was linked. Open Plaid again", refused.Message, StringComparison.Ordinal);
        await AssertNothingLinkedAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync(new Uri(url, UriKind.Relative))).StatusCode);

        var linked = await PostAsync(url);
        Assert.Equal(HttpStatusCode.OK, linked.Status);
        Assert.Equal("Chase is connected. You can close this page and return to the chat.", linked.Message);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_items"));
        Assert.Equal(HttpStatusCode.Gone, (await PostAsync(url)).Status);
        var forged = await PostAsync("/link/plaid?c=" + new string('b', 32));
        Assert.Equal(HttpStatusCode.Gone, forged.Status);
        Assert.False(forged.Linked);
    }

    [Fact]
    public async Task Two_posts_of_the_same_code_at_once_make_one_link()
    {
        var (_, url) = await NewLinkAsync();
        var hold = faults.Hold(Exchange);

        var first = PostAsync(url);
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await PostAsync(url); // while the first one is exchanging
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.False(second.Linked);
        Assert.Equal("post", second.Retry);
        Assert.Contains("being completed in another window", second.Message, StringComparison.Ordinal);
        hold.Release();
        Assert.Equal(HttpStatusCode.OK, (await first).Status);
        Assert.Equal(1, ExchangeCount());

        // A burst of posts of a fresh code, all at once: still one exchange, one connection.
        var (_, burstUrl) = await NewLinkAsync();
        var burst = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync(burstUrl)));
        Assert.All(burst, r => Assert.Contains(r.Status, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.Gone }));
        Assert.Contains(burst, r => r.Status == HttpStatusCode.OK && r.Linked);
        Assert.Equal(2, ExchangeCount());
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM bank_items"));
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM bank_link_sessions WHERE used_at IS NOT NULL AND linked_bank_item_id IS NOT NULL"));
        recorder.AssertAllConform();
    }

    private sealed record LinkAnswer(HttpStatusCode Status, bool Linked, string Message, string? Retry);

    private async Task<LinkAnswer> PostAsync(string url)
    {
        var response = await app.CreateClient().PostAsJsonAsync(new Uri(url, UriKind.Relative), new { publicToken = "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new LinkAnswer(response.StatusCode, body.GetProperty("linked").GetBoolean(), body.GetProperty("message").GetString()!,
            body.TryGetProperty("retry", out var retry) ? retry.GetString() : null);
    }

    private async Task<(DirectLineTestClient Chat, string Url)> NewLinkAsync()
    {
        var chat = await DirectLineTestClient.StartAsync(app.CreateClient());
        await chat.SendAsync("/link bank");
        return (chat, LinkPattern().Match(await ReplyAsync(chat, 1)).Groups[1].Value);
    }

    private async Task AssertNothingLinkedAsync()
    {
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM bank_items"));
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM bank_link_sessions WHERE used_at IS NULL AND claimed_until IS NULL AND linked_bank_item_id IS NULL"));
    }

    private int ExchangeCount() => recorder.Exchanges.Count(e => e.Path.EndsWith(Exchange, StringComparison.Ordinal));

    private static async Task<string> ReplyAsync(DirectLineTestClient chat, int count) =>
        (await chat.WaitForBotRepliesAsync(count))[count - 1].GetProperty("text").GetString()!;

    [GeneratedRegex(@"\((/link/plaid\?c=[A-Za-z0-9_-]{32})\)")]
    private static partial Regex LinkPattern();
}
