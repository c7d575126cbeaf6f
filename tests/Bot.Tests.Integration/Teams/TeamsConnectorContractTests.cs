using System.Net;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Channels.BotFramework;
using Bot.Channels.Teams;
using Bot.Storage;
using Bot.Storage.Entities;
using Bot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Tests.Integration.Teams;

/// <summary>
/// What the Teams sender puts on the wire, checked by Prism serving the Bot Connector swagger (422 on a violation):
/// a text reply, a plan card, an in-place update, typing, a proactive conversation (opened, then written to), and a
/// streamed reply (typing updates with streaminfo, then the final message). Stream ids live in a real PostgreSQL.
/// </summary>
public sealed class TeamsConnectorContractTests : IAsyncLifetime
{
    private PrismServer prism = null!;
    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;

    public async Task InitializeAsync()
    {
        prism = await PrismServer.StartAsync(Path.Combine(RepoPaths.Conformance, "botframework", "ConnectorAPI.json"));
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
        await prism.DisposeAsync();
    }

    [Fact]
    public async Task Sends_updates_typing_and_proactive_conversations_conform_to_the_Connector_API()
    {
        using var handler = new TokenStub();
        using var http = new HttpClient(handler);
        var options = Options.Create(new TeamsOptions { AppId = "app-id", AppPassword = "secret", TokenEndpoint = "http://127.0.0.1:1/token" });
        using var connector = new TeamsConnectorClient(http, options, TimeProvider.System, NullLogger<TeamsConnectorClient>.Instance);
        var clock = new ManualClock();
        var streams = new TeamsStreams(dataSource, clock);
        var sender = new TeamsChannelSender(connector, streams, NullLogger<TeamsChannelSender>.Instance);
        var live = new TeamsLiveUpdates(connector, streams, clock, NullLogger<TeamsLiveUpdates>.Instance);
        var reference = new TeamsConversationReference(prism.BaseUrl.ToString(), "a:conv-1", "tenant-1", "28:bot", "Finance bot");
        var referenceJson = System.Text.Json.JsonSerializer.Serialize(reference, ActivityJson.Options);
        var plan = new Card
        {
            Key = "plan:P1", Title = "Buy 5 AAPL", Status = "Proposed", Labels = ["paper"], Items = ["BUY 5 AAPL limit 190.00 (day) ≈ 950.00 USD"],
            Body = "You asked.", Footer = "Expires soon.", Buttons = [new CardButton("Approve", "plan.approve", "/plan", "approve P1 h")],
        };

        var deliveries = new[]
        {
            Delivery(referenceJson, new OutgoingMessage { Text = "**Hello** from the bot" }, null),
            Delivery(referenceJson, new OutgoingMessage { Text = "plan", Card = plan }, null),
            Delivery(referenceJson, new OutgoingMessage { Text = "plan", Card = plan with { Buttons = [], Status = "Filled", Outcome = "Filled." }, Kind = OutgoingKind.Update }, "1234"),
            Delivery(referenceJson, new OutgoingMessage { Text = "Pick one", Buttons = [new MessageButton("Resume", "/resume", new Dictionary<string, string> { ["args"] = "x" })] }, null),
        };
        foreach (var delivery in deliveries)
        {
            var result = await sender.SendAsync(delivery, CancellationToken.None);
            Assert.True(result is SendResult.Sent, $"{result}\n{prism.Output}");
        }
        var conversation = new Conversation { Channel = "teams", Address = reference.ConversationId, Reference = referenceJson, IsGroup = false };
        await live.TypingAsync(conversation, CancellationToken.None);

        // A streamed reply: two updates (the second names the stream the first opened), then the final message.
        await live.StreamTextAsync(conversation, "stream-1", 1, "Bonds suit", CancellationToken.None);
        clock.Advance(TeamsStreams.MinInterval);
        await live.StreamTextAsync(conversation, "stream-1", 2, "Bonds suit money you need", CancellationToken.None);
        var final = await sender.SendAsync(Delivery(referenceJson, new OutgoingMessage { Text = "Bonds suit money you need in a few years.", StreamId = "stream-1" }, null), CancellationToken.None);
        Assert.IsType<SendResult.Sent>(final, exactMatch: false);
        var streamed = handler.Forwarded.Where(f => f.Body.Contains("streaminfo", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, streamed.Count);
        Assert.Contains("\"streamType\":\"final\"", streamed[2].Body, StringComparison.Ordinal);
        Assert.IsType<SendResult.Sent>(await connector.CreateConversationAsync(reference.ServiceUrl, "28:bot", "29:user", "tenant-1", CancellationToken.None));

        // A proactive message to a personal chat known only by its user: the 1:1 chat is opened, then the message sent
        // there, and the reference with the new conversation id comes back to be stored.
        var userOnly = System.Text.Json.JsonSerializer.Serialize(reference with { ConversationId = "", UserId = "29:user" }, ActivityJson.Options);
        var proactive = await sender.SendAsync(Delivery(userOnly, new OutgoingMessage { Text = "Good morning" }, null), CancellationToken.None);
        var opened = Assert.IsType<SendResult.Sent>(proactive, exactMatch: false);
        Assert.True(opened.ConversationReference is not null, $"{proactive}\n{prism.Output}");
        Assert.False(TeamsMapper.ReadReference(opened.ConversationReference)!.NeedsConversation);
        Assert.Equal(1, handler.TokenRequests);
        Assert.All(handler.Forwarded, f => Assert.Equal("Bearer connector-token", f.Authorization));
        // Prism answered every request without a violation.
        Assert.All(handler.Forwarded, f => Assert.True(f.Status < 300, $"{f.Status} for {f.Body}\n{prism.Output}"));

        // The oracle does check bodies: a body that is not an activity is refused.
        using var bad = new HttpRequestMessage(HttpMethod.Post, new Uri(prism.BaseUrl, "v3/conversations/a%3Aconv-1/activities"))
        {
            Content = new StringContent("\"not an activity\"", System.Text.Encoding.UTF8, "application/json"),
        };
        bad.Headers.TryAddWithoutValidation("Authorization", "Bearer x");
        using (var refused = await http.SendAsync(bad))
        {
            Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        }
    }

    private static OutboundDelivery Delivery(string reference, OutgoingMessage message, string? replaces) =>
        new(message.Id, Guid.NewGuid(), "a:conv-1", reference, message, replaces, 1);

    /// <summary>Answers the token request itself and forwards everything else to the network (Prism on loopback).</summary>
    private sealed class TokenStub() : DelegatingHandler(new HttpClientHandler())
    {
        public int TokenRequests { get; private set; }
        public List<(string? Authorization, string Body, int Status)> Forwarded { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/token")
            {
                TokenRequests++;
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent("""{"token_type":"Bearer","expires_in":3600,"access_token":"connector-token"}""", System.Text.Encoding.UTF8, "application/json"),
                };
            }
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            Forwarded.Add((request.Headers.Authorization?.ToString(), body, (int)response.StatusCode));
            return response;
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
