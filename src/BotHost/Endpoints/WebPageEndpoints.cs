using Bot.Channels.Access;
using Bot.Channels.Web;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// The web chat page (<c>/</c> and <c>/index.html</c>), for a signed-in person or the owner. Its scripts and styles are plain static files with
/// nothing private in them; the page is an endpoint so that authorization covers it. With an access key,
/// <c>/?key=KEY</c> stores the key in an HTTP-only cookie and redirects to a clean URL, so the key does not stay in the
/// address bar or history.
/// </summary>
public static class WebPageEndpoints
{
    private const string PageFile = "index.html";

    public static IEndpointRouteBuilder MapWebPage(this IEndpointRouteBuilder endpoints)
    {
        // GET and HEAD, as the static file middleware that served the page before answered both.
        endpoints.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], Page).RequireAuthorization(AccessPolicies.Person).ExcludeFromDescription();
        endpoints.MapMethods("/" + PageFile, [HttpMethods.Get, HttpMethods.Head], Page).RequireAuthorization(AccessPolicies.Person).ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Page(HttpContext context, OwnerAccess access, IWebHostEnvironment environment)
    {
        if (access.KeyInPageAddress(context.Request) is { } key)
        {
            context.Response.Cookies.Append(OwnerAccess.CookieName, key, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(30),
            });
            return Results.Redirect("/");
        }
        var file = environment.WebRootFileProvider.GetFileInfo(PageFile);
        return file.Exists
            ? Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8", lastModified: file.LastModified)
            : Results.NotFound();
    }
}
