using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Web;

/// <summary>
/// Signs a person, already proven by some channel (a one-time link, Telegram's initData, a Teams SSO token), into the
/// web app with a cookie session. Every sign-in path ends here, so sessions have one shape and one revocation.
/// </summary>
public interface IWebSignIn
{
    Task SignInAsync(HttpContext context, Guid userId, string method, CancellationToken cancellationToken);
}
