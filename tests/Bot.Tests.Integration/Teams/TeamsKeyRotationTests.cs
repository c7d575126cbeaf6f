using System.Net;
using Bot.Tests.Support;

namespace Bot.Tests.Integration.Teams;

/// <summary>
/// A token signed with a key the bot has not seen yet (the Bot Framework rotated its keys) makes the bot fetch the
/// OpenID metadata again instead of refusing until its cached keys expire. A host of its own, so no other test has
/// spent the refresh that is allowed once every five minutes.
/// </summary>
public class TeamsKeyRotationTests(TeamsHostFixture fixture) : IClassFixture<TeamsHostFixture>
{
    [Fact]
    public async Task An_unknown_key_id_refreshes_the_signing_keys()
    {
        var botFramework = fixture.BotFramework;
        using (var first = await fixture.PostAsync(fixture.Message("/help", conversationId: "a:rotation"), botFramework.Token()))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }
        var fetchesBefore = botFramework.MetadataFetches;

        botFramework.RotateIn("rotated-key", botFramework.OtherKey);
        var eventId = "rotated-" + Guid.NewGuid().ToString("N");
        using var response = await fixture.PostAsync(
            fixture.Message("/help", id: eventId, conversationId: "a:rotation"), botFramework.Token(kid: "rotated-key", signWith: botFramework.OtherKey));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(fetchesBefore + 1, botFramework.MetadataFetches);
        Assert.Equal(1, await fixture.Host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", eventId));
    }
}
