using System.ComponentModel.DataAnnotations;

namespace Bot.Channels.Teams;

/// <summary>
/// Settings of the Microsoft Teams channel (section <c>Teams</c>). An empty <see cref="AppId"/> turns authentication
/// off, for the local playground only: the host refuses that on a non-loopback bind.
/// </summary>
public sealed class TeamsOptions : IValidatableObject
{
    public const string Section = "Teams";
    public const string BotFrameworkIssuer = "https://api.botframework.com";

    /// <summary>On when <see cref="AppId"/> is set; <c>Teams:Enabled=true</c> turns it on without one (playground).</summary>
    public bool Enabled { get; set; }

    /// <summary>The bot's Microsoft App ID: the audience of inbound tokens and the client id of outbound ones.</summary>
    public string? AppId { get; set; }

    public string? AppPassword { get; set; }

    /// <summary>The tenant of a single-tenant bot; empty for a multi-tenant one (tokens come from botframework.com).</summary>
    public string? TenantId { get; set; }

    [Required, Url]
    public string OpenIdMetadataUrl { get; set; } = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    /// <summary>Where client-credentials tokens come from; unset, the botframework.com (or the tenant's) endpoint.</summary>
    [Url]
    public string? TokenEndpoint { get; set; }

    [Required]
    public string TokenScope { get; set; } = "https://api.botframework.com/.default";

    /// <summary>The largest activity body accepted, in bytes.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxActivityBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The Microsoft Entra app (client) id the personal tab's SSO tokens are issued to. Set with
    /// <see cref="TabTenantId"/>, the tab signs its person in to the web app (<c>POST /auth/teams</c>).
    /// </summary>
    public string? TabClientId { get; set; }

    /// <summary>The Entra tenant whose people may sign in from the tab (its id, a GUID): the tokens' <c>tid</c>.</summary>
    public string? TabTenantId { get; set; }

    /// <summary>
    /// The Application ID URI the tab's tokens name as audience (<c>api://HOST/CLIENT-ID</c>, as in the manifest's
    /// <c>webApplicationInfo.resource</c>). Tokens naming <see cref="TabClientId"/> itself are accepted as well.
    /// </summary>
    public string? TabAudience { get; set; }

    /// <summary>Where the tab tokens' signing keys come from; unset, the tenant's v2.0 OpenID metadata at login.microsoftonline.com.</summary>
    public string? TabOpenIdMetadataUrl { get; set; }

    public bool TabSignInEnabled => !string.IsNullOrEmpty(TabClientId) && !string.IsNullOrEmpty(TabTenantId);

    public string EffectiveTabMetadataUrl => TabOpenIdMetadataUrl is { Length: > 0 } url
        ? url
        : $"https://login.microsoftonline.com/{TabTenantId}/v2.0/.well-known/openid-configuration";

    public bool RequiresAuthentication => !string.IsNullOrEmpty(AppId);

    /// <summary>True for an <c>https</c> metadata URL, or any on loopback (a local stand-in in tests).</summary>
    public bool MetadataUrlIsTrusted => Uri.TryCreate(OpenIdMetadataUrl, UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttps || url.IsLoopback);

    public bool IsOn => Enabled || RequiresAuthentication;

    public string EffectiveTokenEndpoint => TokenEndpoint is { Length: > 0 } endpoint
        ? endpoint
        : $"https://login.microsoftonline.com/{(string.IsNullOrEmpty(TenantId) ? "botframework.com" : TenantId)}/oauth2/v2.0/token";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(TabClientId) != !string.IsNullOrEmpty(TabTenantId))
        {
            yield return new ValidationResult("Teams:TabClientId and Teams:TabTenantId are set together (the tab's sign-in needs both).",
                [nameof(TabClientId), nameof(TabTenantId)]);
        }
        if (TabSignInEnabled && !Guid.TryParse(TabTenantId, out _))
        {
            yield return new ValidationResult("Teams:TabTenantId must be the tenant's id (a GUID): only that tenant's people may sign in.", [nameof(TabTenantId)]);
        }
        if (TabSignInEnabled && !(Uri.TryCreate(EffectiveTabMetadataUrl, UriKind.Absolute, out var tabMetadata)
            && (tabMetadata.Scheme == Uri.UriSchemeHttps || tabMetadata.IsLoopback)))
        {
            yield return new ValidationResult("Teams:TabOpenIdMetadataUrl must be an https URL (plain http only on loopback).", [nameof(TabOpenIdMetadataUrl)]);
        }
        if (RequiresAuthentication && !MetadataUrlIsTrusted)
        {
            yield return new ValidationResult(
                "Teams:OpenIdMetadataUrl must be an https URL (plain http only on loopback): the signing keys of inbound tokens come from it.",
                [nameof(OpenIdMetadataUrl)]);
        }
    }
}
