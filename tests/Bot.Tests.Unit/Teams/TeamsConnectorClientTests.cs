using System.Net;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Bot.Channels.Teams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Unit.Teams;

/// <summary>How the Bot Connector's answers map onto send results, and the client-credentials token cache.</summary>
public class TeamsConnectorClientTests
{
    private static readonly Activity Message = new() { Type = Activity.Types.Message, Text = "hi" };

    private static (TeamsConnectorClient Client, StubHttpHandler Handler) Create(Func<HttpRequestMessage, HttpResponseMessage> connector)
    {
        var handler = new StubHttpHandler((request, _) => request.RequestUri!.AbsolutePath == "/token"
            ? StubHttpHandler.Json("""{"token_type":"Bearer","expires_in":3600,"access_token":"tok-1"}""")
            : connector(request));
        var options = Options.Create(new TeamsOptions { AppId = "app", AppPassword = "pw", TokenEndpoint = "http://login.test/token" });
        return (new TeamsConnectorClient(new HttpClient(handler), options, TimeProvider.System, NullLogger<TeamsConnectorClient>.Instance), handler);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "Unreachable")]
    [InlineData(HttpStatusCode.NotFound, "Unreachable")]
    [InlineData(HttpStatusCode.TooManyRequests, "RetryLater")]
    [InlineData(HttpStatusCode.PreconditionFailed, "RetryLater")]
    [InlineData(HttpStatusCode.BadGateway, "RetryLater")]
    [InlineData(HttpStatusCode.GatewayTimeout, "RetryLater")]
    [InlineData(HttpStatusCode.BadRequest, "Failed")]
    public async Task Connector_statuses_map_to_send_results(HttpStatusCode status, string expected)
    {
        var (client, _) = Create(_ => new HttpResponseMessage(status));
        using (client)
        {
            var result = await client.SendAsync("https://smba.test/emea/", "a:1", Message, CancellationToken.None);
            Assert.Equal(expected, result.GetType().Name);
        }
    }

    [Fact]
    public async Task Retry_After_is_honoured_and_the_token_is_fetched_once()
    {
        var (client, handler) = Create(request =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });
        using (client)
        {
            var first = await client.SendAsync("https://smba.test/emea/", "a:1", Message, CancellationToken.None);
            await client.SendAsync("https://smba.test/emea/", "a:1", Message, CancellationToken.None);
            Assert.Equal(TimeSpan.FromSeconds(7), Assert.IsType<SendResult.RetryLater>(first).RetryAfter);
            Assert.Single(handler.Requests, r => r.Path == "/token");
            var send = handler.Requests.First(r => r.Path != "/token");
            Assert.Equal("/emea/v3/conversations/a%3A1/activities", send.Request.RequestUri!.AbsolutePath);
            Assert.Equal("Bearer tok-1", send.Request.Headers.Authorization!.ToString());
            Assert.Contains("client_credentials", handler.Requests.First(r => r.Path == "/token").Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_sent_activity_is_named_by_the_connector_id()
    {
        var (client, _) = Create(_ => StubHttpHandler.Json("""{"id":"1:abc"}"""));
        using (client)
        {
            var result = await client.SendAsync("https://smba.test/emea/", "a:1", Message, CancellationToken.None);
            Assert.Equal("1:abc", Assert.IsType<SendResult.Sent>(result).PlatformMessageId);
        }
    }
}
