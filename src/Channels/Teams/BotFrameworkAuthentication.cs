using System.Net;
using System.Security.Claims;
using Bot.Channels.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bot.Channels.Teams;

/// <summary>
/// The Bot Framework's JWT on <c>/api/messages</c>, through JwtBearer: an RS256 signature by a key from the OpenID
/// metadata at <see cref="TeamsOptions.OpenIdMetadataUrl"/> (an unknown key id refreshes it, at most once every five
/// minutes), the issuer <see cref="TeamsOptions.BotFrameworkIssuer"/>, our App ID as the audience, and the lifetime
/// with five minutes of clock skew. The token's <c>serviceurl</c> claim is compared with the activity's in the endpoint
/// (<see cref="ServiceUrlMatches"/>), because only the endpoint reads the body. Without an App ID (the playground) no
/// token is read and the policy lets only loopback callers in.
/// </summary>
public static class BotFrameworkAuthentication
{
    public const string SchemeName = "BotFramework";
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxKeyAge = TimeSpan.FromHours(24);

    /// <summary>Adds the <see cref="SchemeName"/> scheme and the <see cref="AccessPolicies.BotFramework"/> policy.</summary>
    public static AuthenticationBuilder AddBotFramework(this AuthenticationBuilder builder)
    {
        // IdentityModel refreshes metadata on a background task by default, so the refresh an unknown key id asks for
        // would land after the request that carried it, and the first activity signed with a rotated key would be
        // refused. Blocking, the token handler fetches the metadata again and validates once more within the request.
        AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", true);
        builder.AddJwtBearer(SchemeName, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<TeamsOptions>>((jwt, teams) => Configure(jwt, teams.Value));
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<TeamsOptions>>((authorization, teams) =>
            authorization.AddPolicy(AccessPolicies.BotFramework, Policy(teams.Value)));
        return builder;
    }

    /// <summary>True when the token's <c>serviceurl</c> claim names the activity's service URL (trailing slash and case aside).</summary>
    public static bool ServiceUrlMatches(ClaimsPrincipal user, string? activityServiceUrl)
    {
        var claimed = user.FindFirst("serviceurl")?.Value ?? user.FindFirst("serviceUrl")?.Value;
        return claimed is not null && activityServiceUrl is not null
            && string.Equals(claimed.TrimEnd('/'), activityServiceUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
    }

    private static AuthorizationPolicy Policy(TeamsOptions teams) => teams.RequiresAuthentication
        ? new AuthorizationPolicyBuilder(SchemeName).RequireAuthenticatedUser().Build()
        : new AuthorizationPolicyBuilder(SchemeName).RequireAssertion(context => context.Resource is HttpContext http && IsLoopbackCaller(http)).Build();

    private static bool IsLoopbackCaller(HttpContext context) => context.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote);

    private static void Configure(JwtBearerOptions jwt, TeamsOptions teams)
    {
        UseMetadata(jwt, teams.OpenIdMetadataUrl);
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            // Only the key the token names: a token naming an unknown key is refused (after a metadata refresh), as
            // the hand-written check did, rather than tried against every published key.
            TryAllIssuerSigningKeys = false,
            ValidateIssuer = true,
            ValidIssuer = TeamsOptions.BotFrameworkIssuer,
            // JwtBearer also trusts the issuer the metadata names; the Bot Framework's tokens have exactly one.
            IssuerValidator = (issuer, _, _) => string.Equals(issuer, TeamsOptions.BotFrameworkIssuer, StringComparison.Ordinal)
                ? issuer
                : throw new SecurityTokenInvalidIssuerException("The token's issuer is not the Bot Framework."),
            ValidateAudience = true,
            ValidAudience = teams.AppId,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = ClockSkew,
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                if (!teams.RequiresAuthentication)
                {
                    context.NoResult(); // the playground: no App ID, so no token to check (and no metadata to fetch)
                }
                return Task.CompletedTask;
            },
            OnChallenge = context =>
            {
                Refused(context.HttpContext, teams.RequiresAuthentication
                    ? Reason(context.AuthenticateFailure)
                    : "no Teams:AppId is set, so only loopback callers are accepted");
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// Signing keys from <paramref name="metadataUrl"/> (HTTPS, validated at start, except a local stand-in on loopback:
    /// the tests' fakes), claims as the token names them, and an unknown key id refreshing the metadata at most every
    /// <see cref="MinRefreshInterval"/>. Shared by every JWT scheme that trusts an OpenID issuer (the Bot Framework, the
    /// Teams tab's Entra tenant).
    /// </summary>
    internal static void UseMetadata(JwtBearerOptions jwt, string metadataUrl)
    {
        jwt.MetadataAddress = metadataUrl;
        jwt.RequireHttpsMetadata = !(Uri.TryCreate(metadataUrl, UriKind.Absolute, out var metadata) && metadata.IsLoopback);
        jwt.MapInboundClaims = false;
        jwt.RefreshOnIssuerKeyNotFound = true;
        jwt.RefreshInterval = MinRefreshInterval;
        jwt.AutomaticRefreshInterval = MaxKeyAge;
        jwt.BackchannelTimeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>Why a token was refused, in words that carry nothing of the token itself.</summary>
    private static string Reason(Exception? failure) => failure switch
    {
        null => "no bearer token",
        SecurityTokenSignatureKeyNotFoundException => "unknown signing key",
        SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "unsupported algorithm",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenMalformedException or ArgumentException => "malformed token",
        _ => failure.GetType().Name,
    };

    private static void Refused(HttpContext context, string reason) =>
        TeamsLog.Refused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TeamsEndpoints).FullName!), reason);
}
