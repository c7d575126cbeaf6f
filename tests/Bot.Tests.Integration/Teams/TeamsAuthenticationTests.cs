using System.Net;
using System.Security.Cryptography;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>/api/messages with a Bot Framework token signed by a key from the local JWKS; a bad token stores nothing.</summary>
public class TeamsAuthenticationTests(TeamsHostFixture fixture) : IClassFixture<TeamsHostFixture>
{
    private FakeBotFramework BotFramework => fixture.BotFramework;

    [Fact]
    public async Task A_valid_token_is_accepted_and_the_message_answered()
    {
        var conversation = "a:auth-ok-" + Guid.NewGuid().ToString("N")[..8];
        using var response = await fixture.PostAsync(fixture.Message("/help", conversationId: conversation), BotFramework.Token());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var reply = await Eventually.GetAsync(
            () => Task.FromResult(BotFramework.Received.FirstOrDefault(r => r.Path.Contains(conversation, StringComparison.Ordinal) && r.Body["type"]?.GetValue<string>() == "message")),
            r => r.Body is not null, "the reply on the connector", TimeSpan.FromSeconds(60));
        Assert.Equal("Bearer connector-token", reply.Authorization);
        Assert.Contains("/buy", reply.Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public static TheoryData<string> Spoiled => new() { "audience", "issuer", "expired", "signature", "kid", "serviceUrl", "none" };

    [Theory]
    [MemberData(nameof(Spoiled))]
    public async Task A_bad_token_is_refused_and_nothing_is_stored(string spoiled)
    {
        using var otherKey = RSA.Create(2048);
        var token = spoiled switch
        {
            "audience" => BotFramework.Token(audience: "someone-else"),
            "issuer" => BotFramework.Token(issuer: "https://sts.windows.net/evil/"),
            "expired" => BotFramework.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-10)),
            "signature" => BotFramework.Token(signWith: otherKey),
            "kid" => BotFramework.Token(kid: "unknown-kid"),
            "serviceUrl" => BotFramework.Token(serviceUrl: "https://evil.example/"),
            _ => null,
        };
        var eventId = "spoiled-" + spoiled + "-" + Guid.NewGuid().ToString("N");
        using var response = await fixture.PostAsync(fixture.Message("/help", id: eventId), token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await fixture.Host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", eventId));
    }

    [Fact]
    public async Task Token_within_five_minutes_of_skew_is_accepted()
    {
        var eventId = "skew-" + Guid.NewGuid().ToString("N");
        using var response = await fixture.PostAsync(fixture.Message("/help", id: eventId, conversationId: "a:skew"), BotFramework.Token(expires: DateTimeOffset.UtcNow.AddMinutes(-2)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", eventId));
    }

    [Fact]
    public async Task A_redelivered_activity_is_stored_once()
    {
        var message = fixture.Message("/help", conversationId: "a:dup-" + Guid.NewGuid().ToString("N")[..8]);
        var eventId = message["id"]!.GetValue<string>();
        using (var first = await fixture.PostAsync(message.DeepClone().AsObject(), BotFramework.Token()))
        using (var second = await fixture.PostAsync(message.DeepClone().AsObject(), BotFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }
        Assert.Equal(1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", eventId));
    }
}
