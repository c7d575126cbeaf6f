using Bot.Channels.Access;
using Bot.Channels.Teams;
using Bot.Channels.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Bot.BotHost.Hosting;

/// <summary>
/// Who may call what, through ASP.NET Core authorization. Every endpoint names a policy (<see cref="AccessPolicies"/>)
/// or allows anonymous callers with a stated reason (<see cref="AnonymousReason"/>); one that does neither falls to the
/// fallback policy, which admits only the web chat owner. So a new endpoint is closed unless it says otherwise. The web
/// app's own endpoints name <see cref="AccessPolicies.Person"/>: a signed-in person, or the owner.
/// </summary>
public static class AccessControlExtensions
{
    public static IServiceCollection AddAccessControl(this IServiceCollection services, IConfiguration configuration)
    {
        // The OpenID Connect scheme exists only when it is set up, so its settings are read now and checked at start.
        var oidc = configuration.GetSection(WebOidcOptions.Section).Get<WebOidcOptions>() ?? new WebOidcOptions();
        if (oidc.Problem() is { } problem)
        {
            throw new StartupConfigurationException(problem);
        }
        // No default scheme: every policy names its own, so a request is authenticated only by the scheme its endpoint's
        // policy asks for (the owner's check does not run on a platform webhook, nor JWT validation on the page).
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, OwnerAuthenticationHandler>(OwnerAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, PersonAuthenticationHandler>(PersonAuthenticationHandler.SchemeName, null)
            .AddBotFramework()
            .AddTeamsTab()
            .AddWebOidc(oidc);
        var owner = new AuthorizationPolicyBuilder(OwnerAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        // The person's scheme first: its challenge only sets the 401, and the owner's then writes what to do.
        var person = new AuthorizationPolicyBuilder(PersonAuthenticationHandler.SchemeName, OwnerAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        var signedIn = new AuthorizationPolicyBuilder(PersonAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Owner, owner)
            .AddPolicy(AccessPolicies.Person, person)
            .AddPolicy(AccessPolicies.SignedIn, signedIn)
            .SetFallbackPolicy(owner);
        return services;
    }

    /// <summary>
    /// After routing: static assets first (nothing private in them; they skip requests that matched an endpoint, such as
    /// the page), then authentication and authorization for every endpoint and for any request no endpoint matched.
    /// </summary>
    public static WebApplication UseAccessControl(this WebApplication app)
    {
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
