using System.ComponentModel.DataAnnotations;

namespace Bot.Finance.Plaid;

/// <summary>Plaid (section <c>Plaid</c>). Without <see cref="ClientId"/> the demo bank answers instead.</summary>
public sealed class PlaidOptions : IValidatableObject
{
    public const string Section = "Plaid";

    public string? ClientId { get; set; }

    public string? Secret { get; set; }

    /// <summary>https://sandbox.plaid.com or https://production.plaid.com.</summary>
    public string BaseUrl { get; set; } = "https://sandbox.plaid.com";

    /// <summary>The name Plaid Link shows the user.</summary>
    [Required]
    [StringLength(30, MinimumLength = 1)]
    public string ClientName { get; set; } = "Finance assistant";

    /// <summary>Comma-separated ISO country codes offered in Plaid Link.</summary>
    [Required]
    public string CountryCodes { get; set; } = "US";

    /// <summary>Comma-separated Plaid products requested when linking (<c>transactions</c>, <c>investments</c>).</summary>
    [Required]
    public string Products { get; set; } = "transactions";

    /// <summary>
    /// This host's public address, for the one-time bank-link URLs the bot sends. Unset, links are relative
    /// (<c>/link/plaid?c=CODE</c>), which works in the web chat.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a one-time bank-link URL stays usable.</summary>
    [Range(1, 1440)]
    public int LinkMinutes { get; set; } = 15;

    /// <summary>Allows <c>/link bank sandbox</c> (linking a Plaid sandbox test bank without a browser). On by default against sandbox.plaid.com.</summary>
    public bool? SandboxLinking { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId);

    public bool AllowsSandboxLinking =>
        SandboxLinking ?? (Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) && uri.Host.Equals("sandbox.plaid.com", StringComparison.OrdinalIgnoreCase));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(Secret))
        {
            yield return new ValidationResult("Plaid:Secret is required when Plaid:ClientId is set.", [nameof(Secret)]);
        }
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            yield return new ValidationResult($"Plaid:BaseUrl '{BaseUrl}' is not an https:// URL (http:// only for a loopback test server).", [nameof(BaseUrl)]);
        }
        if (PublicBaseUrl is { Length: > 0 } publicBase && !Uri.TryCreate(publicBase, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"Plaid:PublicBaseUrl '{publicBase}' is not an absolute URL.", [nameof(PublicBaseUrl)]);
        }
        foreach (var code in Split(CountryCodes).Where(c => c.Length != 2))
        {
            yield return new ValidationResult($"Plaid:CountryCodes has '{code}', which is not a two-letter country code.", [nameof(CountryCodes)]);
        }
    }

    internal static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
