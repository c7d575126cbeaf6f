using System.Security.Claims;

namespace Bot.Channels.Web;

/// <summary>
/// Who is using the web app: a signed-in person (their user and session), or the single owner of a one-box install
/// (loopback without <c>Web:AccessKey</c>, or the key), who acts as the user of the web chat's <c>owner</c> identity.
/// </summary>
public sealed record WebCaller(Guid? PersonUserId, Guid? SessionId)
{
    public static readonly WebCaller Owner = new(null, null);

    public bool IsPerson => PersonUserId is not null;

    /// <summary>
    /// The caller an authenticated principal stands for: the person when a session authenticated (it wins over the
    /// owner's loopback check, so a person signed in on the owner's machine acts as themselves), else the owner.
    /// </summary>
    public static WebCaller? From(ClaimsPrincipal principal)
    {
        var person = principal.Identities.FirstOrDefault(i => i.IsAuthenticated && i.AuthenticationType == PersonAuthenticationHandler.SchemeName);
        if (person is not null
            && Guid.TryParse(person.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var userId)
            && Guid.TryParse(person.FindFirst(PersonAuthenticationHandler.SessionClaim)?.Value, out var sessionId))
        {
            return new WebCaller(userId, sessionId);
        }
        return principal.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == OwnerAuthenticationHandler.SchemeName) ? Owner : null;
    }
}
