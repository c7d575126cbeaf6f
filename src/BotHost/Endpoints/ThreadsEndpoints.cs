using Bot.Pipeline.Threads;
using Bot.Channels.Access;
using Bot.Channels.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// Threads and their history for the web sidebar and tools, of the caller's user alone: a signed-in person's own, or
/// the web chat owner's. Another user's thread is a 404, the same as a thread that does not exist.
/// </summary>
public static class ThreadsEndpoints
{
    public sealed record ThreadDto(Guid Id, string Title, string Channel, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int EventCount, string? DirectLineConversationId);

    public sealed record EventDto(Guid Id, string Role, string? Text, object? Action, DateTimeOffset CreatedAt);

    public sealed record DirectLineSessionDto(string ConversationId, string Token, int ExpiresIn);

    public static IEndpointRouteBuilder MapThreadsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/threads").WithTags("Threads").RequireAuthorization(AccessPolicies.Person);
        group.MapGet("/", ListAsync).WithSummary("The caller's threads, most recently active first.");
        group.MapGet("/{id:guid}", GetAsync).WithSummary("One thread.");
        group.MapGet("/{id:guid}/events", EventsAsync).WithSummary("A thread's history, oldest first; page with ?after={eventId}.");
        group.MapPost("/{id:guid}/directline", OpenInWebChatAsync).WithSummary("A Direct Line token to continue a web thread in Web Chat.");
        return endpoints;
    }

    private static async Task<Guid?> CallerUserAsync(HttpContext context, WebCallers callers, CancellationToken cancellationToken) =>
        WebCaller.From(context.User) is { } caller ? await callers.UserIdAsync(caller, cancellationToken) : null;

    private static ThreadDto ToDto(ThreadSummary t) =>
        new(t.Id, t.Title, t.Channel, t.CreatedAt, t.UpdatedAt, t.EventCount, t.Channel == DirectLineStore.ChannelName ? t.ConversationAddress : null);

    private static async Task<Ok<List<ThreadDto>>> ListAsync(HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken, int limit = 50)
    {
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        if (owner is null)
        {
            return TypedResults.Ok(new List<ThreadDto>());
        }
        var threads = await queries.RecentAsync(owner.Value, Math.Clamp(limit, 1, 200), cancellationToken);
        return TypedResults.Ok(threads.Select(ToDto).ToList());
    }

    private static async Task<Results<Ok<ThreadDto>, NotFound>> GetAsync(Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken)
    {
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        var thread = await queries.FindAsync(id, cancellationToken);
        if (thread is null || owner is null || await queries.OwnerOfAsync(id, cancellationToken) != owner)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(ToDto(thread));
    }

    private static async Task<Results<Ok<List<EventDto>>, NotFound>> EventsAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken, Guid? after = null, int limit = 500)
    {
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        if (owner is null || await queries.OwnerOfAsync(id, cancellationToken) != owner)
        {
            return TypedResults.NotFound();
        }
        var events = await queries.EventsAsync(id, after, Math.Clamp(limit, 1, 1000), cancellationToken);
        return TypedResults.Ok(events.Select(e => new EventDto(e.Id, e.Role, e.Text, e.Action, e.CreatedAt)).ToList());
    }

    private static async Task<Results<Ok<DirectLineSessionDto>, NotFound, ProblemHttpResult>> OpenInWebChatAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        var caller = WebCaller.From(context.User);
        if (caller is { IsPerson: true } && !WebSessions.HasAntiforgeryToken(context))
        {
            return WebSignInEndpoints.AntiforgeryRefused(context);
        }
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        var thread = await queries.FindAsync(id, cancellationToken);
        if (thread is null || owner is null || await queries.OwnerOfAsync(id, cancellationToken) != owner)
        {
            return TypedResults.NotFound();
        }
        if (thread.Channel != DirectLineStore.ChannelName)
        {
            return TypedResults.Problem($"This thread lives in {thread.Channel}; its history can be read but not continued here.", statusCode: StatusCodes.Status409Conflict);
        }
        if (caller?.PersonUserId is { } person)
        {
            await store.EnsurePersonIdentityAsync(person, cancellationToken);
        }
        var grant = new DirectLineGrant(thread.ConversationAddress, caller?.PersonUserId, caller?.SessionId);
        return TypedResults.Ok(new DirectLineSessionDto(thread.ConversationAddress, tokens.Issue(grant), (int)tokens.Lifetime.TotalSeconds));
    }
}
