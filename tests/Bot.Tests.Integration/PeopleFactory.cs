using Bot.Pipeline.SignIn;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// A host that people sign in to: <c>Web:PublicBaseUrl</c> is set, and so is <c>Web:AccessKey</c>, so a test's client
/// is nobody until it signs in (without the key, an in-process request counts as the loopback owner).
/// </summary>
public sealed class PeopleFactory : BotAppFactory
{
    public const string AccessKey = "people-factory-access-key";

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Web:AccessKey"] = AccessKey,
        ["Web:PublicBaseUrl"] = "http://localhost",
    };

    /// <summary>A person as the pipeline would have made them on their first message in some chat.</summary>
    public async Task<Guid> NewUserAsync(string displayName)
    {
        var id = Guid.CreateVersion7();
        await Database.ScalarAsync<int>("INSERT INTO users (id, display_name, created_at) VALUES ($1, $2, now())", id, displayName);
        return id;
    }

    /// <summary>A one-time link for <paramref name="userId"/>, made by the same code as <c>/web</c>.</summary>
    public async Task<string> LinkForAsync(Guid userId) =>
        (await Services.GetRequiredService<WebSignInLinks>().IssueAsync(userId, CancellationToken.None)).Url;

    /// <summary>A browser with no cookies that follows no redirects.</summary>
    internal PersonBrowser NewBrowser(bool https = false) =>
        new(CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri(https ? "https://localhost" : "http://localhost") }));

    /// <summary>A browser signed in as a new person called <paramref name="displayName"/>.</summary>
    internal async Task<(PersonBrowser Browser, Guid UserId)> SignedInAsync(string displayName)
    {
        var user = await NewUserAsync(displayName);
        var browser = NewBrowser();
        using var signedIn = await browser.SignInAsync(await LinkForAsync(user));
        Assert.Equal(System.Net.HttpStatusCode.SeeOther, signedIn.StatusCode);
        await browser.SessionAsync();
        return (browser, user);
    }
}
