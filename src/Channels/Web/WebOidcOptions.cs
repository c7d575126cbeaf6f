namespace Bot.Channels.Web;

/// <summary>
/// Sign-in to the web app through a team's own OpenID Provider (section <c>Web:Oidc</c>), for a team that runs the
/// service for itself. Off unless <see cref="Authority"/> is set; then <see cref="ClientId"/> and
/// <see cref="ClientSecret"/> are required (a confidential client using the authorization code flow with PKCE).
/// </summary>
public sealed class WebOidcOptions
{
    public const string Section = "Web:Oidc";

    /// <summary>The provider's issuer URL; its <c>/.well-known/openid-configuration</c> is read from there. https, except on a loopback host.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The client's secret; sent only to the provider's token endpoint, never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in page's button says after "Sign in with".</summary>
    public string DisplayName { get; set; } = "your organisation's account";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>Why these settings cannot work, or null when they can (off counts as working).</summary>
    public string? Problem()
    {
        if (!Enabled)
        {
            return null;
        }
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            return "Web:Oidc:Authority must be an absolute http(s) URL (the provider's issuer).";
        }
        if (authority.Scheme == Uri.UriSchemeHttp && !authority.IsLoopback)
        {
            return "Web:Oidc:Authority must use https unless the provider runs on this machine (a loopback address).";
        }
        if (string.IsNullOrWhiteSpace(ClientId))
        {
            return "Web:Oidc:ClientId must be set when Web:Oidc:Authority is.";
        }
        if (string.IsNullOrWhiteSpace(ClientSecret))
        {
            return "Web:Oidc:ClientSecret must be set when Web:Oidc:Authority is.";
        }
        return null;
    }
}
