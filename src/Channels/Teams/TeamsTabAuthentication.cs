using Bot.Channels.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bot.Channels.Teams;

/// <summary>
/// The personal tab's Teams SSO token (from <c>microsoftTeams.authentication.getAuthToken</c>), through JwtBearer
/// against the tenant's OpenID metadata: RS256 by a key the metadata publishes, the metadata's issuer (or the same
/// tenant's v1 issuer, which tokens carry when the app asks for v1), an audience from settings
/// (<see cref="TeamsOptions.TabAudience"/> or the client id), the lifetime, and a <c>tid</c> equal to
/// <see cref="TeamsOptions.TabTenantId"/>. The <c>oid</c> claim is the person's Entra object id, the same id the
/// Teams channel keeps for them, so it finds the person who chats with the bot.
/// </summary>
public static class TeamsTabAuthentication
{
    public const string SchemeName = "TeamsTab";
    public const string ObjectIdClaim = "oid";
    public const string TenantIdClaim = "tid";

    public static AuthenticationBuilder AddTeamsTab(this AuthenticationBuilder builder)
    {
        builder.AddJwtBearer(SchemeName, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<IOptions<TeamsOptions>>((jwt, teams) => Configure(jwt, teams.Value));
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<TeamsOptions>>((authorization, teams) =>
            authorization.AddPolicy(AccessPolicies.TeamsTab, new AuthorizationPolicyBuilder(SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(TenantIdClaim, teams.Value.TabTenantId ?? "(tab sign-in is off)")
                .RequireClaim(ObjectIdClaim)
                .Build()));
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, TeamsOptions teams)
    {
        if (!teams.TabSignInEnabled)
        {
            // Off: the endpoint is not mapped, and nothing should fetch Microsoft's metadata for a scheme nobody uses.
            jwt.Events = new JwtBearerEvents { OnMessageReceived = context => { context.NoResult(); return Task.CompletedTask; } };
            return;
        }
        BotFrameworkAuthentication.UseMetadata(jwt, teams.EffectiveTabMetadataUrl);
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            ValidateIssuer = true,
            // JwtBearer adds the metadata's issuer (the tenant's v2.0 issuer) to these.
            ValidIssuers = [$"https://sts.windows.net/{teams.TabTenantId}/", $"https://login.microsoftonline.com/{teams.TabTenantId}/v2.0"],
            ValidateAudience = true,
            ValidAudiences = new[] { teams.TabAudience, teams.TabClientId }.Where(a => !string.IsNullOrEmpty(a)).ToArray(),
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = BotFrameworkAuthentication.ClockSkew,
        };
    }
}
