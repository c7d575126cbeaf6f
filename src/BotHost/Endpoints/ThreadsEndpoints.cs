using System.Globalization;
using System.Text;
using System.Text.Json;
using Bot.Pipeline.Threads;
using Bot.Channels.Access;
using Bot.Channels.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// Threads and their history for the web app, of the caller's user alone: a signed-in person's own, or the web chat
/// owner's. Another user's thread is a 404, the same as a thread that does not exist, and nothing of it changes.
/// State-changing calls from a signed-in person need the session's anti-forgery header.
/// </summary>
public static class ThreadsEndpoints
{
    /// <summary>
    /// A thread as lists show it. <c>channel</c> is where it began (web, telegram, slack, teams); a scheduled run's thread
    /// has its <c>scheduleId</c>; <c>directLineConversationId</c> is the web conversation that continues it now, if one is
    /// open (else ask <c>POST /api/threads/{id}/directline</c>). Search results add <c>snippet</c> (matched words
    /// between U+0001 and U+0002) and <c>matchEventId</c>.
    /// </summary>
    public sealed record ThreadDto(
        Guid Id, string Title, string Channel, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int EventCount, string? DirectLineConversationId,
        bool Archived = false, Guid? ScheduleId = null, string? Snippet = null, Guid? MatchEventId = null);

    /// <summary>A page of threads; <c>next</c> is the cursor of the following page (pass it as <c>before</c>), null on the last.</summary>
    public sealed record ThreadPageDto(IReadOnlyList<ThreadDto> Threads, string? Next);

    /// <summary>A schedule's runs as one sidebar entry; <c>lastOutcome</c> is "delivered", "failed: …", "running" or "skipped".</summary>
    public sealed record ScheduleGroupDto(Guid ScheduleId, string Title, int RunCount, Guid LastRunThreadId, DateTimeOffset LastRunAt, string LastOutcome);

    /// <summary>The final state of a card an event carried (null when it carried none).</summary>
    public sealed record CardDto(string Title, string Text, string? Status);

    public sealed record EventDto(Guid Id, string Role, string? Text, object? Action, DateTimeOffset CreatedAt, CardDto? Card = null);

    public sealed record DirectLineSessionDto(string ConversationId, string Token, int ExpiresIn);

    /// <summary>PATCH body: either or both.</summary>
    public sealed record ThreadPatchDto(string? Title, bool? Archived);

    public sealed record ForkDto(Guid EventId);

    /// <summary>A thread and its whole history, as <c>export?format=json</c> gives it.</summary>
    public sealed record ThreadExportDto(ThreadDto Thread, IReadOnlyList<EventDto> Events);

    private const int MaxBodyBytes = 4096;

    public static IEndpointRouteBuilder MapThreadsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/threads").WithTags("Threads").RequireAuthorization(AccessPolicies.Person);
        group.MapGet("/", ListAsync).WithSummary(
            "The caller's threads, most recently active first, paged (limit, before). Without q: archived=false (default) lists threads neither archived nor " +
            "scheduled runs, archived=true the archived ones, scheduleId=… one schedule's runs. With q: full-text search over the caller's messages and the " +
            "bot's, best match first, each hit with a snippet and the matching event.");
        group.MapGet("/schedules", SchedulesAsync).WithSummary("One entry per schedule with at least one run: its runs' count and the newest run, newest first.");
        group.MapGet("/{id:guid}", GetAsync).WithSummary("One thread.");
        group.MapPatch("/{id:guid}", PatchAsync).WithSummary("Renames (title, 1 to 120 characters once trimmed) and/or archives or restores (archived) a thread.")
            .Accepts<ThreadPatchDto>("application/json").WithBodyLimit(MaxBodyBytes);
        group.MapDelete("/{id:guid}", DeleteAsync).WithSummary("Deletes a thread for real: its events, inbox and outbox rows and web transcript are gone from the database.");
        group.MapPost("/{id:guid}/fork", ForkAsync).WithSummary("A new web thread holding copies of this thread's history up to and including eventId.")
            .Accepts<ForkDto>("application/json").WithBodyLimit(MaxBodyBytes);
        group.MapGet("/{id:guid}/export", ExportAsync).WithSummary("The thread as a download: format=md (Markdown) or format=json.");
        group.MapGet("/{id:guid}/events", EventsAsync).WithSummary("A thread's history, oldest first; page with ?after={eventId}.");
        group.MapPost("/{id:guid}/directline", OpenInWebChatAsync).WithSummary(
            "A Direct Line conversation and token that continue the thread from the web, whatever channel it began in: turns sent there land in this thread and are answered there.");
        return endpoints;
    }

    private static async Task<Guid?> CallerUserAsync(HttpContext context, WebCallers callers, CancellationToken cancellationToken) =>
        WebCaller.From(context.User) is { } caller ? await callers.UserIdAsync(caller, cancellationToken) : null;

    /// <summary>The caller's user when the thread is theirs; null otherwise (answered as 404).</summary>
    private static async Task<Guid?> OwnerOfThreadAsync(Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken)
    {
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        return owner is not null && await queries.OwnerOfAsync(id, cancellationToken) == owner ? owner : null;
    }

    private static bool RefusedWithoutAntiforgery(HttpContext context) =>
        WebCaller.From(context.User) is { IsPerson: true } && !WebSessions.HasAntiforgeryToken(context);

    private static ProblemHttpResult BadRequest(HttpContext context, string detail)
    {
        Refusals.Log(context, StatusCodes.Status400BadRequest, detail);
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest);
    }

    private static ThreadDto ToDto(ThreadSummary t) =>
        new(t.Id, t.Title, t.Channel, t.CreatedAt, t.UpdatedAt, t.EventCount, t.WebAddress, t.Archived, t.ScheduleId, t.Snippet, t.MatchEventId);

    private static EventDto ToDto(ThreadEventView e) => new(e.Id, e.Role, e.Text, e.Action, e.CreatedAt, e.Card is { } card ? ToDto(card) : null);

    /// <summary>A card as the history shows it once decided: title, its lines as plain text, and its status (no buttons).</summary>
    private static CardDto ToDto(Bot.Pipeline.Model.Card card)
    {
        var lines = new List<string>();
        if (card.Notice is { } notice)
        {
            lines.Add(notice);
        }
        lines.AddRange(card.Items);
        if (card.Body is { Length: > 0 } body)
        {
            lines.Add(body);
        }
        lines.AddRange(card.Notes);
        if ((card.Outcome ?? card.Footer) is { } last)
        {
            lines.Add(last);
        }
        return new CardDto(card.Title, string.Join('\n', lines), card.Status);
    }

    private static async Task<Results<Ok<ThreadPageDto>, ProblemHttpResult>> ListAsync(
        HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken,
        int limit = 50, string? before = null, bool archived = false, Guid? scheduleId = null, string? q = null)
    {
        limit = Math.Clamp(limit, 1, 200);
        var search = q?.Trim();
        if (search is { Length: > 500 })
        {
            return BadRequest(context, "q is longer than 500 characters.");
        }
        var isSearch = !string.IsNullOrEmpty(search);
        var cursor = before is null ? (Cursor?)null : Cursor.Parse(before, isSearch);
        if (before is not null && cursor is null)
        {
            return BadRequest(context, "before is not a cursor this list gave out (pass the page's next as it was).");
        }
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        if (owner is null)
        {
            return TypedResults.Ok(new ThreadPageDto([], null));
        }
        // One more than asked tells whether a next page exists.
        if (isSearch)
        {
            var offset = cursor?.Offset ?? 0;
            var hits = await queries.SearchAsync(owner.Value, search!, offset, limit + 1, cancellationToken);
            return TypedResults.Ok(new ThreadPageDto(
                hits.Take(limit).Select(ToDto).ToList(), hits.Count > limit ? Cursor.OfOffset(offset + limit) : null));
        }
        var kind = scheduleId is not null ? ThreadListKind.ScheduleRuns : archived ? ThreadListKind.Archived : ThreadListKind.Active;
        var threads = await queries.PageAsync(owner.Value, kind, scheduleId, cursor?.Position, limit + 1, cancellationToken);
        var page = threads.Take(limit).ToList();
        return TypedResults.Ok(new ThreadPageDto(page.Select(ToDto).ToList(), threads.Count > limit ? Cursor.Of(page[^1]) : null));
    }

    private static async Task<Ok<List<ScheduleGroupDto>>> SchedulesAsync(HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken)
    {
        var owner = await CallerUserAsync(context, callers, cancellationToken);
        if (owner is null)
        {
            return TypedResults.Ok(new List<ScheduleGroupDto>());
        }
        var groups = await queries.ScheduleGroupsAsync(owner.Value, cancellationToken);
        return TypedResults.Ok(groups.Select(g => new ScheduleGroupDto(g.ScheduleId, g.Title, g.RunCount, g.LastRunThreadId, g.LastRunAt, g.LastOutcome)).ToList());
    }

    private static async Task<Results<Ok<ThreadDto>, NotFound>> GetAsync(Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken)
    {
        if (await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken) is null || await queries.FindAsync(id, cancellationToken) is not { } thread)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(ToDto(thread));
    }

    private static async Task<Results<Ok<ThreadDto>, NotFound, ProblemHttpResult>> PatchAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, ThreadEditor editor, CancellationToken cancellationToken)
    {
        if (RefusedWithoutAntiforgery(context))
        {
            return WebSignInEndpoints.AntiforgeryRefused(context);
        }
        var owner = await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken);
        if (owner is null)
        {
            return TypedResults.NotFound();
        }
        using var body = await ReadJsonObjectAsync(context, cancellationToken);
        if (body is null)
        {
            return BadRequest(context, "The body must be a JSON object: {\"title\": string, \"archived\": boolean}, either or both.");
        }
        string? title = null;
        bool? archived = null;
        foreach (var property in body.RootElement.EnumerateObject())
        {
            switch (property.Name)
            {
                case "title" when property.Value.ValueKind == JsonValueKind.String:
                    title = property.Value.GetString()!.Trim();
                    if (title.Length is 0 or > ThreadEditor.MaxTitleLength || title.Any(char.IsControl))
                    {
                        return BadRequest(context, $"title must be 1 to {ThreadEditor.MaxTitleLength} characters once trimmed, without control characters.");
                    }
                    break;
                case "title":
                    return BadRequest(context, "title must be a string.");
                case "archived" when property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    archived = property.Value.GetBoolean();
                    break;
                case "archived":
                    return BadRequest(context, "archived must be true or false.");
                default:
                    return BadRequest(context, $"Unknown field \"{Clip(property.Name)}\": only title and archived can be changed.");
            }
        }
        if (title is null && archived is null)
        {
            return BadRequest(context, "Nothing to change: send title, archived, or both.");
        }
        if (!await editor.UpdateAsync(id, owner.Value, title, archived, cancellationToken) || await queries.FindAsync(id, cancellationToken) is not { } thread)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(ToDto(thread));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, ThreadEditor editor, CancellationToken cancellationToken)
    {
        if (RefusedWithoutAntiforgery(context))
        {
            return WebSignInEndpoints.AntiforgeryRefused(context);
        }
        var owner = await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken);
        if (owner is null || !await editor.DeleteAsync(id, owner.Value, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<ThreadDto>, NotFound, ProblemHttpResult>> ForkAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, ThreadEditor editor, CancellationToken cancellationToken)
    {
        if (RefusedWithoutAntiforgery(context))
        {
            return WebSignInEndpoints.AntiforgeryRefused(context);
        }
        var owner = await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken);
        if (owner is null || await queries.FindAsync(id, cancellationToken) is not { } source)
        {
            return TypedResults.NotFound();
        }
        using var body = await ReadJsonObjectAsync(context, cancellationToken);
        if (body is null || !body.RootElement.TryGetProperty("eventId", out var eventProperty)
            || eventProperty.ValueKind != JsonValueKind.String || !eventProperty.TryGetGuid(out var eventId))
        {
            return BadRequest(context, "The body must be {\"eventId\": \"<the id of an event of this thread>\"}.");
        }
        var title = ThreadTitles.Clip("Fork of " + source.Title, ThreadEditor.MaxTitleLength);
        if (await editor.ForkAsync(id, owner.Value, eventId, title, cancellationToken) is not { } forkId)
        {
            return BadRequest(context, "eventId is not an event of this thread.");
        }
        var fork = await queries.FindAsync(forkId, cancellationToken);
        return TypedResults.Created($"/api/threads/{forkId}", ToDto(fork!));
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ExportAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken, string? format = null)
    {
        if (format is not ("md" or "json"))
        {
            return BadRequest(context, "format must be md or json.");
        }
        if (await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken) is null || await queries.FindAsync(id, cancellationToken) is not { } thread)
        {
            return TypedResults.NotFound();
        }
        var events = new List<ThreadEventView>();
        while (true)
        {
            var page = await queries.EventsAsync(id, events.Count == 0 ? null : events[^1].Id, 1000, cancellationToken);
            events.AddRange(page);
            if (page.Count < 1000)
            {
                break;
            }
        }
        var name = ThreadExport.FileName(thread.Title);
        return format == "md"
            ? TypedResults.File(Encoding.UTF8.GetBytes(ThreadExport.Markdown(thread, events)), "text/markdown; charset=utf-8", name + ".md")
            : TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(new ThreadExportDto(ToDto(thread), events.Select(ToDto).ToList()), JsonSerializerOptions.Web),
                "application/json", name + ".json");
    }

    private static async Task<Results<Ok<List<EventDto>>, NotFound>> EventsAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, CancellationToken cancellationToken, Guid? after = null, int limit = 500,
        string? outside = null)
    {
        if (await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }
        // outside=CONVERSATION: only the events Web Chat will not replay from that Direct Line conversation's transcript
        // (those of turns that came from elsewhere: a scheduled run, a fork's copied history, another channel).
        var events = await queries.EventsAsync(id, after, Math.Clamp(limit, 1, 1000), cancellationToken, outside);
        return TypedResults.Ok(events.Select(ToDto).ToList());
    }

    private static async Task<Results<Ok<DirectLineSessionDto>, NotFound, ProblemHttpResult>> OpenInWebChatAsync(
        Guid id, HttpContext context, WebCallers callers, ThreadQueries queries, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        if (RefusedWithoutAntiforgery(context))
        {
            return WebSignInEndpoints.AntiforgeryRefused(context);
        }
        if (await OwnerOfThreadAsync(id, context, callers, queries, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }
        var caller = WebCaller.From(context.User);
        if (caller?.PersonUserId is { } person)
        {
            await store.EnsurePersonIdentityAsync(person, cancellationToken);
        }
        var address = await store.ConversationForThreadAsync(id, cancellationToken);
        var grant = new DirectLineGrant(address, caller?.PersonUserId, caller?.SessionId);
        return TypedResults.Ok(new DirectLineSessionDto(address, tokens.Issue(grant), (int)tokens.Lifetime.TotalSeconds));
    }

    /// <summary>The body as a JSON object, or null when it is not one (malformed, another JSON value, empty).</summary>
    private static async Task<JsonDocument?> ReadJsonObjectAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = 8 }, cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }
            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>
    /// An opaque page cursor: the last thread shown (activity time and id) for lists, or the position in the ranking for
    /// search; base64url of <c>t:ticks:id</c> or <c>s:offset</c>.
    /// </summary>
    private readonly record struct Cursor(ThreadPosition? Position, int? Offset)
    {
        public static string Of(ThreadSummary last) =>
            Encode(string.Create(CultureInfo.InvariantCulture, $"t:{last.UpdatedAt.UtcTicks}:{last.Id:N}"));

        public static string OfOffset(int offset) => Encode(string.Create(CultureInfo.InvariantCulture, $"s:{offset}"));

        public static Cursor? Parse(string text, bool search)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(text));
            }
            catch (FormatException)
            {
                return null;
            }
            var parts = decoded.Split(':');
            if (search)
            {
                return parts is ["s", var o] && int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset <= 100_000
                    ? new Cursor(null, offset)
                    : null;
            }
            return parts is ["t", var ticks, var id]
                   && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
                   && t >= DateTimeOffset.MinValue.UtcTicks && t <= DateTimeOffset.MaxValue.UtcTicks
                   && Guid.TryParseExact(id, "N", out var guid)
                ? new Cursor(new ThreadPosition(new DateTimeOffset(t, TimeSpan.Zero), guid), null)
                : null;
        }

        private static string Encode(string text) => Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(text));
    }
}
