using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bot.Channels.Access;
using Bot.Channels.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bot.Tests.Integration;

/// <summary>
/// Closed by default: every mapped endpoint names a policy or is anonymous with a stated reason, the fallback admits
/// only the owner, and a caller from another machine gets 401 where only the owner may go.
/// </summary>
public class AuthorizationTests(AuthorizationTests.EveryChannelFactory host) : IClassFixture<AuthorizationTests.EveryChannelFactory>
{
    /// <summary>Every channel on, so every endpoint the host can map is mapped. Nothing here is ever called.</summary>
    public sealed class EveryChannelFactory : StrangerAwareFactory
    {
        protected override IDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["Pipeline:TurnWorkers"] = "0",
            ["Pipeline:OutboxSenders"] = "0",
            ["Teams:Enabled"] = "true",
            ["Slack:BotToken"] = "xoxb-unused",
            ["Slack:SigningSecret"] = "unused-signing-secret",
            ["Slack:ApiBaseUrl"] = "http://127.0.0.1:9/api",
            ["Telegram:BotToken"] = "1:unused",
            ["Telegram:ApiBaseUrl"] = "http://127.0.0.1:9",
            ["Telegram:Mode"] = "webhook",
            ["Telegram:WebhookSecret"] = "unused-secret",
            ["Telegram:WebhookUrl"] = "http://127.0.0.1:9/telegram/webhook",
            ["Teams:TabClientId"] = "9d3c1a2b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            ["Teams:TabTenantId"] = "0b6f8f1e-3c2a-4d8e-9a51-7c0d2e4f6a10",
            ["Teams:TabOpenIdMetadataUrl"] = "http://127.0.0.1:9/openid",
        };
    }

    [Fact]
    public async Task Every_endpoint_names_a_policy_or_is_anonymous_with_a_stated_reason()
    {
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var policies = host.Services.GetRequiredService<IAuthorizationPolicyProvider>();

        var unguarded = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var name = $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])} {endpoint.RoutePattern.RawText}";
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                if (endpoint.Metadata.GetMetadata<AnonymousReason>() is not { Reason.Length: > 0 })
                {
                    unguarded.Add(name + ": anonymous without a stated reason");
                }
                continue;
            }
            var named = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => !string.IsNullOrEmpty(p)).ToList();
            if (named.Count == 0)
            {
                unguarded.Add(name + ": names no policy");
            }
            foreach (var policy in named)
            {
                if (await policies.GetPolicyAsync(policy!) is null)
                {
                    unguarded.Add(name + $": names the unknown policy {policy}");
                }
            }
        }
        Assert.True(unguarded.Count == 0, "Endpoints open by omission:\n" + string.Join("\n", unguarded));

        // The test saw the whole surface: the owner's, each platform's, the probes.
        var patterns = endpoints.Select(e => e.RoutePattern.RawText).ToHashSet();
        foreach (var expected in new[] { "/", "/index.html", "/api/threads/", "/api/messages", "/slack/events", "/telegram/webhook", "/v3/directline/conversations", "/health/live", "/link/plaid/", "/signin", "/api/session/", "/auth/telegram", "/auth/teams" })
        {
            Assert.Contains(expected, patterns);
        }
    }

    [Fact]
    public void The_fallback_policy_refuses_anonymous_callers()
    {
        var fallback = host.Services.GetRequiredService<IOptions<AuthorizationOptions>>().Value.FallbackPolicy;
        Assert.NotNull(fallback);
        Assert.Contains(fallback.Requirements, r => r is DenyAnonymousAuthorizationRequirement);
        Assert.Equal([OwnerAuthenticationHandler.SchemeName], fallback.AuthenticationSchemes);
    }

    public static TheoryData<string> OwnerOnly => new() { "/", "/index.html", "/api/threads", "/api/session", "/openapi/v1.json", "/no-such-page" };

    [Theory]
    [MemberData(nameof(OwnerOnly))]
    public async Task A_caller_from_another_machine_is_refused_where_only_the_owner_may_go(string path)
    {
        using var stranger = host.CreateClient().From("192.0.2.7");
        using var response = await stranger.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("This web chat answers only on this machine.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_loopback_host_name_from_loopback_is_the_owner_and_a_foreign_one_is_not()
    {
        using var owner = host.CreateClient().From("127.0.0.1");
        using (var page = await owner.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<title>Finance assistant</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var threads = await owner.GetAsync(new Uri("/api/threads", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, threads.StatusCode);
        }
        using (var missing = await owner.GetAsync(new Uri("/no-such-page", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // DNS rebinding: loopback caller, foreign Host header.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/threads");
        rebound.Headers.Host = "attacker.example:5080";
        using var refused = await owner.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Anonymous_endpoints_and_static_assets_answer_a_stranger()
    {
        using var stranger = host.CreateClient().From("192.0.2.7");
        using (var live = await stranger.GetAsync(new Uri("/health/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        using (var css = await stranger.GetAsync(new Uri("/app.css", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        }
        // Slack's endpoint lets the request in and refuses it itself, for want of a signature.
        using (var slack = await stranger.PostAsync(new Uri("/slack/events", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, slack.StatusCode);
            Assert.NotEqual("This web chat answers only on this machine.", await slack.Content.ReadAsStringAsync());
        }
        // Direct Line answers in its own shape: 403 with an error body Web Chat reads.
        using (var directLine = await stranger.PostAsync(new Uri("/v3/directline/tokens/generate", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, directLine.StatusCode);
            Assert.Contains("\"code\":\"BadArgument\"", await directLine.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Teams_without_an_app_id_accepts_only_loopback_callers()
    {
        var activity = """{"type":"message","id":"stranger-1","channelId":"msteams","serviceUrl":"http://127.0.0.1:9/","from":{"id":"29:x"},"conversation":{"id":"a:stranger"},"recipient":{"id":"28:bot"},"text":"hi"}""";
        using var stranger = host.CreateClient().From("192.0.2.7");
        using (var refused = await stranger.PostAsync(new Uri("/api/messages", UriKind.Relative), new StringContent(activity, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", "stranger-1"));

        using var local = host.CreateClient().From("127.0.0.1");
        using (var accepted = await local.PostAsync(new Uri("/api/messages", UriKind.Relative), new StringContent(activity.Replace("stranger-1", "local-1", StringComparison.Ordinal), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM inbox WHERE event_id = $1", "local-1"));
    }
}

/// <summary>With <c>Web:AccessKey</c> set: the key, as a cookie that <c>/?key=KEY</c> sets or as a bearer token, is the owner.</summary>
public class AccessKeyTests(AccessKeyTests.AccessKeyFactory host) : IClassFixture<AccessKeyTests.AccessKeyFactory>
{
    public const string Key = "correct-horse-battery-staple";

    public sealed class AccessKeyFactory : StrangerAwareFactory
    {
        protected override IDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["Pipeline:TurnWorkers"] = "0",
            ["Pipeline:OutboxSenders"] = "0",
            ["Web:AccessKey"] = Key,
        };
    }

    [Fact]
    public async Task Without_the_key_even_loopback_is_refused_with_a_hint()
    {
        using var client = host.CreateClient(new() { AllowAutoRedirect = false }).From("127.0.0.1");
        foreach (var path in new[] { "/", "/?key=wrong", "/index.html?key=" + Key, "/api/threads" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("This web chat needs its access key: open /?key=YOUR_KEY once (Web:AccessKey).", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_key_in_the_address_becomes_an_http_only_cookie_and_a_clean_redirect()
    {
        using var stranger = host.CreateClient(new() { AllowAutoRedirect = false }).From("192.0.2.7");
        using var response = await stranger.GetAsync(new Uri("/?key=" + Key, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(OwnerAccess.CookieName + "=" + Key + ";", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/threads");
        withCookie.Headers.Add("Cookie", OwnerAccess.CookieName + "=" + Key);
        using (var threads = await stranger.SendAsync(withCookie))
        {
            Assert.Equal(HttpStatusCode.OK, threads.StatusCode);
        }
        using var withBearer = new HttpRequestMessage(HttpMethod.Get, "/");
        withBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using (var page = await stranger.SendAsync(withBearer))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
    }
}

/// <summary>
/// A host whose requests can come from another machine: TestServer has no real socket, so a startup filter takes the
/// remote address from a test-only header (see <see cref="RemoteAddress.From"/>).
/// </summary>
public abstract class StrangerAwareFactory : BotAppFactory
{
    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IStartupFilter, RemoteAddress>();
}

internal sealed class RemoteAddress : IStartupFilter
{
    public const string Header = "X-Test-Remote-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var address) && IPAddress.TryParse(address, out var ip))
            {
                context.Connection.RemoteIpAddress = ip;
                context.Request.Headers.Remove(Header);
            }
            return nextMiddleware(context);
        });
        next(app);
    };
}

internal static class RemoteAddressExtensions
{
    /// <summary>Makes every request of this client come from <paramref name="address"/>.</summary>
    public static HttpClient From(this HttpClient client, string address)
    {
        client.DefaultRequestHeaders.Add(RemoteAddress.Header, address);
        return client;
    }
}
