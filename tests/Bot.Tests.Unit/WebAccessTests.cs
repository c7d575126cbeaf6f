using System.Net;
using Bot.Channels.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Unit;

public class WebAccessTests
{
    private static DirectLineTokens Tokens(IDataProtectionProvider? provider = null, int minutes = 60) =>
        new(provider ?? new EphemeralDataProtectionProvider(), Options.Create(new WebOptions { TokenMinutes = minutes }));

    [Fact]
    public void Token_grants_its_conversation()
    {
        var tokens = Tokens();
        var grant = tokens.Validate(tokens.Issue(new DirectLineGrant("conv-1")));
        Assert.Equal(new DirectLineGrant("conv-1"), grant);
        Assert.Equal("owner", grant!.SenderId);
    }

    [Fact]
    public void A_person_token_binds_the_conversation_the_user_and_the_session()
    {
        var tokens = Tokens();
        var user = Guid.CreateVersion7();
        var session = Guid.CreateVersion7();
        var grant = tokens.Validate(tokens.Issue(new DirectLineGrant("conv-1", user, session)));
        Assert.Equal(new DirectLineGrant("conv-1", user, session), grant);
        Assert.Equal(user.ToString("D"), grant!.SenderId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Forged_or_empty_tokens_grant_nothing(string? token) => Assert.Null(Tokens().Validate(token));

    [Fact]
    public void Tampered_token_grants_nothing()
    {
        var tokens = Tokens();
        var token = tokens.Issue(new DirectLineGrant("conv-1")).ToCharArray();
        token[token.Length / 2] = token[token.Length / 2] == 'A' ? 'B' : 'A';
        Assert.Null(tokens.Validate(new string(token)));
    }

    [Fact]
    public void Token_from_another_key_ring_grants_nothing()
    {
        var other = Tokens().Issue(new DirectLineGrant("conv-1"));
        Assert.Null(Tokens().Validate(other));
    }

    [Fact]
    public void Oversized_token_is_refused_before_decryption() => Assert.Null(Tokens().Validate(new string('a', 10_000)));

    private static HttpContext Request(string? remote, string? bearer = null, string? cookie = null, string host = "127.0.0.1:5080")
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        context.Connection.RemoteIpAddress = remote is null ? null : IPAddress.Parse(remote);
        if (bearer is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + bearer;
        }
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{OwnerAccess.CookieName}={cookie}";
        }
        return context;
    }

    [Fact]
    public void Without_a_key_only_this_machine_is_the_owner()
    {
        var access = new OwnerAccess(Options.Create(new WebOptions()));
        Assert.True(access.IsOwner(Request("127.0.0.1")));
        Assert.True(access.IsOwner(Request("::1")));
        Assert.False(access.IsOwner(Request("192.0.2.7")));
        Assert.True(access.IsOwner(Request("127.0.0.1", host: "localhost:5080")));
        Assert.True(access.IsOwner(Request("::1", host: "[::1]:5080")));
    }

    [Fact]
    public void Without_a_key_a_foreign_host_name_is_refused_even_from_loopback()
    {
        // DNS rebinding: another site's name pointed at 127.0.0.1 reaches us from loopback with its own Host.
        var access = new OwnerAccess(Options.Create(new WebOptions()));
        Assert.False(access.IsOwner(Request("127.0.0.1", host: "attacker.example:5080")));
        Assert.False(access.IsOwner(Request("127.0.0.1", host: "127.0.0.1.nip.example")));
    }

    [Fact]
    public void With_a_key_the_request_must_carry_it()
    {
        const string key = "correct-horse-battery-staple";
        var access = new OwnerAccess(Options.Create(new WebOptions { AccessKey = key }));
        Assert.False(access.IsOwner(Request("127.0.0.1")));
        Assert.True(access.IsOwner(Request("192.0.2.7", bearer: key)));
        Assert.True(access.IsOwner(Request("192.0.2.7", cookie: key)));
        Assert.False(access.IsOwner(Request("192.0.2.7", bearer: key + "x")));
        Assert.False(access.IsOwner(Request("192.0.2.7", cookie: "")));
    }

    [Theory]
    [InlineData("/", "?key=correct-horse-battery-staple", true)]
    [InlineData("/", "?key=wrong", false)]
    [InlineData("/index.html", "?key=correct-horse-battery-staple", false)]
    [InlineData("/api/threads", "?key=correct-horse-battery-staple", false)]
    public void Only_the_page_takes_the_key_from_its_address(string path, string query, bool taken)
    {
        var access = new OwnerAccess(Options.Create(new WebOptions { AccessKey = "correct-horse-battery-staple" }));
        var context = Request("192.0.2.7");
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        Assert.Equal(taken ? "correct-horse-battery-staple" : null, access.KeyInPageAddress(context.Request));
    }

    [Fact]
    public void Without_a_key_the_address_takes_no_key()
    {
        var access = new OwnerAccess(Options.Create(new WebOptions()));
        var context = Request("127.0.0.1");
        context.Request.Path = "/";
        context.Request.QueryString = new QueryString("?key=anything");
        Assert.Null(access.KeyInPageAddress(context.Request));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_anonymous_endpoint_needs_a_reason(string reason)
    {
        var builder = new Microsoft.AspNetCore.Builder.RouteHandlerBuilder([]);
        Assert.ThrowsAny<ArgumentException>(() => Bot.Channels.Access.AnonymousReasonExtensions.AllowAnonymous(builder, reason));
    }
}
