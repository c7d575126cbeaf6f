using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Bot.Channels.Teams;

namespace Bot.Tests.Unit.Teams;

/// <summary>The parts of the Bot Framework check that are ours: the serviceUrl claim, and where the signing keys may come from.</summary>
public class BotFrameworkAuthenticationTests
{
    private static ClaimsPrincipal Token(params Claim[] claims) => new(new ClaimsIdentity(claims, "test"));

    [Theory]
    [InlineData("https://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net/amer/", true)]
    [InlineData("https://smba.trafficmanager.net/amer", "https://SMBA.trafficmanager.net/amer/", true)]
    [InlineData("https://smba.trafficmanager.net/amer/", "https://evil.example/", false)]
    [InlineData("https://smba.trafficmanager.net/amer/", null, false)]
    public void The_serviceurl_claim_must_name_the_activity_service_url(string claimed, string? activity, bool matches)
    {
        Assert.Equal(matches, BotFrameworkAuthentication.ServiceUrlMatches(Token(new Claim("serviceurl", claimed)), activity));
        Assert.Equal(matches, BotFrameworkAuthentication.ServiceUrlMatches(Token(new Claim("serviceUrl", claimed)), activity));
    }

    [Fact]
    public void A_token_without_a_serviceurl_claim_matches_nothing() =>
        Assert.False(BotFrameworkAuthentication.ServiceUrlMatches(Token(), "https://smba.trafficmanager.net/amer/"));

    private static List<string> Errors(TeamsOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Theory]
    [InlineData("https://login.botframework.com/v1/.well-known/openidconfiguration", true)]
    [InlineData("http://127.0.0.1:4000/openid", true)]
    [InlineData("http://login.botframework.example/openid", false)]
    public void Signing_keys_come_over_https_or_from_loopback(string url, bool valid)
    {
        var errors = Errors(new TeamsOptions { AppId = "app", OpenIdMetadataUrl = url });
        if (valid)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.StartsWith("Teams:OpenIdMetadataUrl", StringComparison.Ordinal));
        }
    }
}
