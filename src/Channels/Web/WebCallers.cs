using Bot.Pipeline.Threads;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Web;

/// <summary>Finds the <see cref="WebCaller"/> of a request and the user it acts as.</summary>
public sealed class WebCallers(OwnerAccess owner, ThreadQueries threads)
{
    /// <summary>
    /// For endpoints that check their caller themselves (Direct Line's, which answer in their own error shape): a live
    /// session first, then the owner; null for anyone else.
    /// </summary>
    public async Task<WebCaller?> IdentifyAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(PersonAuthenticationHandler.SchemeName);
        if (result.Succeeded && WebCaller.From(result.Principal) is { IsPerson: true } person)
        {
            return person;
        }
        return owner.IsOwner(context) ? WebCaller.Owner : null;
    }

    /// <summary>The user the caller acts as: the person's own, or the web owner's (null until the owner has written).</summary>
    public async Task<Guid?> UserIdAsync(WebCaller caller, CancellationToken cancellationToken) =>
        caller.PersonUserId ?? await threads.UserForIdentityAsync(DirectLineStore.ChannelName, DirectLineMapper.OwnerId, cancellationToken);
}
