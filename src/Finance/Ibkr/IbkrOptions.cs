using System.ComponentModel.DataAnnotations;

namespace Bot.Finance.Ibkr;

/// <summary>
/// Interactive Brokers' Web API / Client Portal Gateway (section <c>Ibkr</c>). Without <see cref="BaseUrl"/> the
/// paper broker answers instead. Paper trading is the default: a live account needs <see cref="Live"/> = true.
/// </summary>
public sealed class IbkrOptions : IValidatableObject
{
    public const string Section = "Ibkr";

    /// <summary>The API root including its path, e.g. <c>https://localhost:5000/v1/api</c> for a local gateway.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The account to trade. Unset: the gateway's selected account.</summary>
    public string? AccountId { get; set; }

    /// <summary>Allows trading a live (non-paper) account. Default false.</summary>
    public bool Live { get; set; }

    /// <summary>Accepts the gateway's self-signed TLS certificate (the host name must still match). Default false.</summary>
    public bool AllowSelfSignedCertificate { get; set; }

    /// <summary>An OAuth bearer token for IBKR's hosted Web API; leave unset for the gateway, which uses its browser session.</summary>
    public string? BearerToken { get; set; }

    /// <summary>How often <c>/tickle</c> keeps the session alive.</summary>
    [Range(5, 600)]
    public int KeepAliveSeconds { get; set; } = 60;

    /// <summary>How many rounds of IBKR's order warnings (<c>/iserver/reply</c>) are confirmed before giving up.</summary>
    [Range(1, 10)]
    public int MaxConfirmations { get; set; } = 5;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BaseUrl);

    /// <summary>IBKR paper accounts start with D (DU..., DF...); live ones with U or F.</summary>
    public static bool IsPaperAccount(string accountId) => accountId.StartsWith('D');

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            if (Live)
            {
                yield return new ValidationResult("Ibkr:Live is true but Ibkr:BaseUrl is not set; live trading needs the IBKR gateway.", [nameof(Live)]);
            }
            yield break;
        }
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult($"Ibkr:BaseUrl '{BaseUrl}' is not an http(s):// URL (for a local gateway: https://localhost:5000/v1/api).", [nameof(BaseUrl)]);
        }
        if (AccountId is { Length: > 0 } account)
        {
            if (account.Length > 16 || !account.All(char.IsAsciiLetterOrDigit))
            {
                yield return new ValidationResult($"Ibkr:AccountId '{account}' is not an IBKR account id.", [nameof(AccountId)]);
            }
            else if (!Live && !IsPaperAccount(account))
            {
                yield return new ValidationResult(
                    $"Ibkr:AccountId '{account}' is a live account but Ibkr:Live is false. Use a paper account (DU...), or set Ibkr:Live=true to trade real money.",
                    [nameof(AccountId)]);
            }
        }
        else if (Live)
        {
            yield return new ValidationResult("Ibkr:Live is true, so Ibkr:AccountId must name the live account explicitly.", [nameof(AccountId)]);
        }
    }
}
