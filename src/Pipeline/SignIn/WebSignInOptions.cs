using System.ComponentModel.DataAnnotations;

namespace Bot.Pipeline.SignIn;

/// <summary>
/// Sign-in to the web app (section <c>Web</c>, beside the web chat's own settings): where the app is reachable from a
/// person's browser, and how long a session lasts. Here rather than in the web channel because sign-in links are made
/// by commands and by other channels too.
/// </summary>
public sealed class WebSignInOptions : IValidatableObject
{
    public const string Section = "Web";

    /// <summary>
    /// The web app's address as a person's browser reaches it (<c>https://bot.example.com</c>). Unset, <c>/web</c>
    /// cannot make a sign-in link and says so.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>A session ends after this long without a request (sliding).</summary>
    [Range(1, 24 * 365)]
    public int SessionIdleHours { get; set; } = 24 * 7;

    /// <summary>A session ends this long after sign-in however active it is (absolute).</summary>
    [Range(1, 365)]
    public int SessionMaxDays { get; set; } = 30;

    public bool CanMakeLinks => !string.IsNullOrWhiteSpace(PublicBaseUrl);

    public TimeSpan SessionIdle => TimeSpan.FromHours(SessionIdleHours);

    public TimeSpan SessionMax => TimeSpan.FromDays(SessionMaxDays);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { Length: > 0 } address
            && (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)))
        {
            yield return new ValidationResult($"Web:PublicBaseUrl '{address}' is not an absolute http(s) URL without a query (for example https://bot.example.com).", [nameof(PublicBaseUrl)]);
        }
        if (TimeSpan.FromHours(SessionIdleHours) > TimeSpan.FromDays(SessionMaxDays))
        {
            yield return new ValidationResult("Web:SessionIdleHours is longer than Web:SessionMaxDays; a session could never reach its idle limit.", [nameof(SessionIdleHours)]);
        }
    }
}
