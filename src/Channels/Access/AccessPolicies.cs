namespace Bot.Channels.Access;

/// <summary>
/// The authorization policies endpoints name. The host's fallback policy answers every endpoint that names none, so an
/// endpoint is closed unless it says who may call it.
/// </summary>
public static class AccessPolicies
{
    /// <summary>The web chat's owner: loopback without <c>Web:AccessKey</c>, otherwise the key (cookie or bearer).</summary>
    public const string Owner = "Owner";

    /// <summary>
    /// The web app's caller: a signed-in person (session cookie, scheme <c>Person</c>), or the owner as in
    /// <see cref="Owner"/>. Handlers act as the person's own user, or the owner's.
    /// </summary>
    public const string Person = "Person";

    /// <summary>A signed-in person only (signing out): the owner of a one-box install has no session to end.</summary>
    public const string SignedIn = "SignedIn";

    /// <summary>The Bot Framework: a JWT it signed for our App ID (or, with no App ID, a loopback caller).</summary>
    public const string BotFramework = "BotFramework";

    /// <summary>A Teams personal tab: an Entra SSO token for the tab's app, from the configured tenant, naming its user.</summary>
    public const string TeamsTab = "TeamsTab";
}
