using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Channels.Web;
using Bot.Tests.Support;

namespace Bot.Tests.Integration;

/// <summary>
/// One person's browser against the in-process host: its own cookie jar (so the test sees every Set-Cookie), no
/// automatic redirects, and the anti-forgery header the web app's page sends on state-changing calls.
/// </summary>
internal sealed partial class PersonBrowser(HttpClient http)
{
    private readonly Dictionary<string, string> cookies = new(StringComparer.Ordinal);

    public HttpClient Http => http;

    /// <summary>The anti-forgery token from the last <see cref="SessionAsync"/>.</summary>
    public string? AntiforgeryToken { get; private set; }

    /// <summary>Every Set-Cookie header this browser received, in order.</summary>
    public List<string> SetCookies { get; } = [];

    public string? Cookie(string name) => cookies.GetValueOrDefault(name);

    public void SetCookie(string name, string value) => cookies[name] = value;

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => c.Key + "=" + c.Value)));
        }
        var response = await http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var value in values)
            {
                SetCookies.Add(value);
                var pair = value.Split(';')[0];
                var name = pair[..pair.IndexOf('=', StringComparison.Ordinal)];
                var content = pair[(name.Length + 1)..];
                if (content.Length == 0 || value.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    cookies.Remove(name);
                }
                else
                {
                    cookies[name] = content;
                }
            }
        }
        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>A POST as the page makes it: with the session's anti-forgery header unless told otherwise.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, bool antiforgery = true, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (antiforgery && AntiforgeryToken is not null)
        {
            request.Headers.Add(WebSessions.AntiforgeryHeader, AntiforgeryToken);
        }
        return SendAsync(request);
    }

    /// <summary>A state-changing call as the page makes it (PATCH, DELETE, POST with a JSON body), with the anti-forgery header unless told otherwise.</summary>
    public Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string? json = null, bool antiforgery = true)
    {
        var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        if (antiforgery && AntiforgeryToken is not null)
        {
            request.Headers.Add(WebSessions.AntiforgeryHeader, AntiforgeryToken);
        }
        return SendAsync(request);
    }

    /// <summary>Opens a sign-in link: the confirmation page (GET), then its button (the form POST).</summary>
    public async Task<HttpResponseMessage> SignInAsync(string link)
    {
        var path = new Uri(link).PathAndQuery;
        using var page = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await ConfirmAsync(await page.Content.ReadAsStringAsync());
    }

    /// <summary>Presses the confirmation page's button: posts its form with its hidden fields.</summary>
    public Task<HttpResponseMessage> ConfirmAsync(string html)
    {
        var action = WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value);
        var fields = HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        Assert.NotEmpty(action);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) });
    }

    /// <summary>GET /api/session; keeps its anti-forgery token for later posts.</summary>
    public async Task<JsonElement> SessionAsync()
    {
        using var response = await GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        AntiforgeryToken = body.GetProperty("antiforgeryToken").GetString();
        return body;
    }

    /// <summary>A new web conversation as the page starts one, and a Direct Line client on its token.</summary>
    public async Task<DirectLineTestClient> StartConversationAsync()
    {
        using var response = await PostAsync("/v3/directline/conversations");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return DirectLineTestClient.Resume(http, body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!);
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();
}
