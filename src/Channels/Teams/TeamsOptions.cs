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
        if (RequiresAuthentication && !MetadataUrlIsTrusted)
        {
            yield return new ValidationResult(
                "Teams:OpenIdMetadataUrl must be an https URL (plain http only on loopback): the signing keys of inbound tokens come from it.",
                [nameof(OpenIdMetadataUrl)]);
        }
    }
}
