using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bot.Tests.Support;
using Bot.Tests.Support.Hostile;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The findings of the hostile-input review, each replayed against a real host (Kestrel, every channel on behind its
/// real credential check): bounded ids, bodies bounded however they arrive, one text limit for every channel, out-of-range
/// numbers, and probes that only read.
/// </summary>
public sealed class InboundLimitsTests : IAsyncLifetime
{
    private AllChannelsHost all = null!;

    public async Task InitializeAsync() => all = await AllChannelsHost.StartAsync();

    public async Task DisposeAsync() => await all.DisposeAsync();

    private JsonObject TeamsMessage(string text, string conversationId = "a:limits-1", string? id = null) => new()
    {
        ["type"] = "message",
        ["id"] = id ?? Guid.NewGuid().ToString("N"),
        ["channelId"] = "msteams",
        ["serviceUrl"] = all.BotFramework.ServiceUrl,
        ["from"] = new JsonObject { ["id"] = "29:limits-user", ["name"] = "Ada" },
        ["conversation"] = new JsonObject { ["id"] = conversationId, ["conversationType"] = "personal" },
        ["recipient"] = new JsonObject { ["id"] = "28:" + FakeBotFramework.AppId },
        ["text"] = text,
    };

    private async Task<HttpResponseMessage> PostTeamsAsync(HttpContent content, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await all.Http.SendAsync(request);
    }

    [Fact]
    public async Task Over_long_teams_ids_are_refused_with_the_field_named_and_nothing_stored()
    {
        var before = await all.StoredAsync();
        foreach (var activity in new[] { TeamsMessage("hi", conversationId: "a:" + new string('c', 10_000)), TeamsMessage("hi", id: new string('1', 10_000)) })
        {
            using var response = await PostTeamsAsync(JsonContent.Create(activity), all.BotFramework.Token());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("longer than 512 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await all.StoredAsync());
        Assert.DoesNotContain("nhandled exception", all.Host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_like_one_with_a_content_length()
    {
        var before = await all.StoredAsync();
        var json = Encoding.UTF8.GetBytes(TeamsMessage(new string('x', 300 * 1024)).ToJsonString());

        Assert.True(await SendOversizedAsync(new ByteArrayContent(json)) is 413 or 0);
        Assert.True(await SendOversizedAsync(new StreamContent(new MemoryStream(json)), chunked: true) is 413 or 0);
        Assert.Equal(before, await all.StoredAsync());
        Assert.DoesNotContain("nhandled exception", all.Host.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The status of a signed post whose body is over the bound, or 0 when the server answered and closed the connection
    /// while the rest of the body was still being sent (it reads no further than the bound, so the client may see the
    /// close before the 413).
    /// </summary>
    private async Task<int> SendOversizedAsync(HttpContent content, bool chunked = false)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.ConnectionClose = true;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", all.BotFramework.Token());
        try
        {
            using var response = await all.Http.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Unauthenticated_28_MB_chunked_posts_are_not_read_and_memory_stays_flat()
    {
        var before = all.Host.ResidentBytes();
        var posts = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var content = new StreamContent(new HostileRequests.GeneratedStream(28L * 1024 * 1024));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = content };
            request.Headers.TransferEncodingChunked = true;
            request.Headers.ConnectionClose = true;
            try
            {
                using var response = await all.Http.SendAsync(request);
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0; // answered and closed while the body was still being sent
            }
        }).ToList();
        var statuses = await Task.WhenAll(posts);

        Assert.All(statuses, status => Assert.True(status is 0 or 401, $"status {status}"));
        var growth = all.Host.PeakResidentBytes() - before;
        Assert.True(growth < 64L * 1024 * 1024, $"resident memory grew by {growth / 1048576} MB for bodies nobody should read");
    }

    [Fact]
    public async Task A_telegram_date_beyond_any_calendar_is_refused_without_a_retry_and_stores_nothing()
    {
        var before = await all.StoredAsync();
        var update = """{"update_id":900001,"message":{"message_id":1,"from":{"id":77,"is_bot":false,"first_name":"A"},"chat":{"id":77,"type":"private"},"date":9223372036854775807,"text":"hi"}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", AllChannelsHost.TelegramSecret);
        using var response = await all.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // Telegram would redeliver anything else, holding later updates back
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("out of range", body.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await all.StoredAsync());
    }

    [Fact]
    public async Task A_telegram_message_over_the_text_limit_is_answered_with_the_limit_and_not_stored()
    {
        var update = JsonSerializer.Serialize(new
        {
            update_id = 900002,
            message = new { message_id = 2, from = TelegramTestServer.User(78), chat = TelegramTestServer.PrivateChat(78), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text = new string('y', 40_000) },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/telegram/webhook") { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", AllChannelsHost.TelegramSecret);
        using var response = await all.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var messages = await Eventually.GetAsync(() => all.Telegram.BotMessagesAsync(AllChannelsHost.TelegramToken, 78), m => m.Count >= 1, "the answer", TimeSpan.FromSeconds(60));
        var text = Assert.Single(messages).Message.GetProperty("text").GetString();
        Assert.Contains("40,000 characters", text, StringComparison.Ordinal);
        Assert.Equal(0, await all.Database.CountAsync("SELECT count(*) FROM inbox WHERE length(payload::text) > 5000"));
    }

    [Fact]
    public async Task A_huge_slack_command_gets_one_answer_naming_the_limit_not_an_echo_in_a_hundred_posts()
    {
        var form = "team_id=T0LIM&channel_id=D0LIM&user_id=U0LIM&user_name=ann&command=%2Fmoney&trigger_id=trig.1.2&text=" + new string('z', 500_000);
        var body = Encoding.UTF8.GetBytes(form);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/slack/commands") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.Add("X-Slack-Request-Timestamp", ts);
        request.Headers.Add("X-Slack-Signature", HostileRequests.SlackSignature(AllChannelsHost.SlackSecret, ts, body));
        using var response = await all.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var posts = await Eventually.GetAsync(() => Task.FromResult(all.Slack.Calls("chat.postMessage")), c => c.Count >= 1, "the answer", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1)); // nothing more follows
        var answer = Assert.Single(all.Slack.Calls("chat.postMessage"));
        Assert.Contains("500,001 characters", (string?)answer.Body["text"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_probes_only_read()
    {
        using var post = await all.Http.PostAsync("/health/live", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var get = await all.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }
}
