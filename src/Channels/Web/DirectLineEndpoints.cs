using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
using Bot.Channels.BotFramework;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bot.Channels.Web;

/// <summary>
/// Direct Line 3.0 as Microsoft's Web Chat and <c>botframework-directlinejs</c> speak it: conversations, tokens,
/// activities with watermarks, and the WebSocket stream. A posted activity is committed (inbox row, thread event,
/// and its echo) before the client gets its id.
/// </summary>
public static class DirectLineEndpoints
{
    private const int PageSize = 500;
    private static readonly TimeSpan StreamPoll = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SessionRecheck = StreamPoll;

    // Direct Line has its own credential, a conversation token, and its own refusal (403 with Direct Line's error body,
    // which Web Chat and directlinejs read); the handlers check it, bound to the conversation in the route.
    private const string TokenInHandler = "Direct Line: the handler checks the conversation token (bearer or ?t=) against the route's conversation, 403 in Direct Line's error shape";
    private const string OwnerInHandler = "Direct Line: the handler lets only a signed-in person (session cookie and anti-forgery header) or the web chat owner (OwnerAccess) mint a token, 403 in Direct Line's error shape";
    private const string TokenOrOwnerInHandler = "Direct Line: the handler accepts a conversation token, else only a signed-in person (session cookie and anti-forgery header) or the web chat owner (OwnerAccess) starts one, 403 in Direct Line's error shape";

    public static IEndpointRouteBuilder MapDirectLine(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v3/directline").ExcludeFromDescription();
        // Each endpoint says so itself (not the group), so a new Direct Line endpoint falls to the owner-only fallback.
        group.MapPost("/tokens/generate", GenerateTokenAsync).AllowAnonymous(OwnerInHandler);
        group.MapPost("/tokens/refresh", RefreshTokenAsync).AllowAnonymous(TokenInHandler);
        group.MapPost("/conversations", StartConversationAsync).AllowAnonymous(TokenOrOwnerInHandler);
        group.MapGet("/conversations/{conversationId}", ReconnectAsync).AllowAnonymous(TokenInHandler);
        group.MapGet("/conversations/{conversationId}/activities", GetActivitiesAsync).AllowAnonymous(TokenInHandler);
        group.MapPost("/conversations/{conversationId}/activities", PostActivityAsync).AllowAnonymous(TokenInHandler)
            .WithBodyLimit(endpoints.ServiceProvider.GetRequiredService<IOptions<WebOptions>>().Value.MaxActivityBytes);
        group.MapPost("/conversations/{conversationId}/upload", (string conversationId) =>
            DirectLineErrors.Error(StatusCodes.Status400BadRequest, "BadArgument", "File uploads are not supported by this bot."))
            .AllowAnonymous("Direct Line: refuses every upload with 400 and reads nothing")
            .WithBodyLimit(1024); // nor does the server drain more than this of the file it was sent
        group.MapGet("/conversations/{conversationId}/stream", StreamAsync).AllowAnonymous(TokenInHandler);
        return endpoints;
    }

    /// <summary>
    /// What a request's token grants, checked against the route's conversation id; a person's token also needs the
    /// session it was minted in to be live, so signing out (everywhere) ends the tokens of that session.
    /// </summary>
    internal static async Task<DirectLineGrant?> AuthorizeAsync(HttpContext context, DirectLineTokens tokens, string? conversationId = null)
    {
        var token = OwnerAccess.BearerToken(context.Request) ?? context.Request.Query["t"].ToString();
        var grant = tokens.Validate(token);
        if (grant is null || (conversationId is not null && !string.Equals(grant.Conversation, conversationId, StringComparison.Ordinal)))
        {
            return null;
        }
        return await IsLiveAsync(context, grant, context.RequestAborted) ? grant : null;
    }

    private static async Task<bool> IsLiveAsync(HttpContext context, DirectLineGrant grant, CancellationToken cancellationToken) =>
        grant is not { SessionId: { } session, UserId: { } user }
        || await context.RequestServices.GetRequiredService<WebSessions>().IsActiveAsync(session, user, cancellationToken);

    /// <summary>
    /// A new conversation for the caller of the web app: a signed-in person (who must send the page's anti-forgery
    /// header, since the session cookie alone would let another site's form through) or the owner. Null when refused.
    /// </summary>
    private static async Task<(DirectLineGrant? Grant, IResult? Refusal)> NewConversationForCallerAsync(
        HttpContext context, DirectLineStore store, CancellationToken cancellationToken)
    {
        var caller = await context.RequestServices.GetRequiredService<WebCallers>().IdentifyAsync(context);
        if (caller is null)
        {
            return (null, DirectLineErrors.Forbidden(context));
        }
        if (caller.IsPerson && !WebSessions.HasAntiforgeryToken(context))
        {
            return (null, DirectLineErrors.Refused(context, StatusCodes.Status403Forbidden, "BadArgument", "The request lacks the web app's anti-forgery header."));
        }
        if (caller.PersonUserId is { } user)
        {
            await store.EnsurePersonIdentityAsync(user, cancellationToken);
        }
        var address = await store.CreateConversationAsync(cancellationToken);
        return (new DirectLineGrant(address, caller.PersonUserId, caller.SessionId), null);
    }

    private static async Task<IResult> GenerateTokenAsync(HttpContext context, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        var (grant, refusal) = await NewConversationForCallerAsync(context, store, cancellationToken);
        return grant is null
            ? refusal!
            : Results.Ok(new { conversationId = grant.Conversation, token = tokens.Issue(grant), expires_in = (int)tokens.Lifetime.TotalSeconds });
    }

    private static async Task<IResult> RefreshTokenAsync(HttpContext context, DirectLineTokens tokens)
    {
        var grant = await AuthorizeAsync(context, tokens);
        return grant is null
            ? DirectLineErrors.Forbidden(context)
            : Results.Ok(new { conversationId = grant.Conversation, token = tokens.Issue(grant), expires_in = (int)tokens.Lifetime.TotalSeconds });
    }

    private static async Task<IResult> StartConversationAsync(HttpContext context, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        // With a token from tokens/generate the conversation already exists; otherwise the web app's caller starts a new one.
        var grant = await AuthorizeAsync(context, tokens);
        var created = false;
        if (grant is null)
        {
            (grant, var refusal) = await NewConversationForCallerAsync(context, store, cancellationToken);
            if (grant is null)
            {
                return refusal!;
            }
            created = true;
        }
        var body = ConversationBody(context, tokens, grant, watermark: null);
        return created ? Results.Json(body, statusCode: StatusCodes.Status201Created) : Results.Ok(body);
    }

    private static async Task<IResult> ReconnectAsync(HttpContext context, string conversationId, DirectLineTokens tokens, DirectLineStore store, CancellationToken cancellationToken)
    {
        var grant = await AuthorizeAsync(context, tokens, conversationId);
        if (grant is null)
        {
            return DirectLineErrors.Forbidden(context);
        }
        if (!await store.ExistsAsync(conversationId, cancellationToken))
        {
            return DirectLineErrors.Error(StatusCodes.Status404NotFound, "BadArgument", "Conversation not found.");
        }
        return Results.Ok(ConversationBody(context, tokens, grant, context.Request.Query["watermark"].ToString()));
    }

    private static object ConversationBody(HttpContext context, DirectLineTokens tokens, DirectLineGrant grant, string? watermark)
    {
        var address = grant.Conversation;
        var token = tokens.Issue(grant);
        var request = context.Request;
        var scheme = request.IsHttps ? "wss" : "ws";
        var streamUrl = $"{scheme}://{request.Host}{request.PathBase}/v3/directline/conversations/{address}/stream?t={Uri.EscapeDataString(token)}";
        if (!string.IsNullOrEmpty(watermark))
        {
            streamUrl += "&watermark=" + Uri.EscapeDataString(watermark);
        }
        return new { conversationId = address, token, expires_in = (int)tokens.Lifetime.TotalSeconds, streamUrl };
    }

    private static async Task<IResult> GetActivitiesAsync(HttpContext context, string conversationId, DirectLineTokens tokens, DirectLineStore store, CancellationToken cancellationToken)
    {
        if (await AuthorizeAsync(context, tokens, conversationId) is null)
        {
            return DirectLineErrors.Forbidden(context);
        }
        if (!TryParseWatermark(context.Request.Query["watermark"], out var watermark))
        {
            return DirectLineErrors.Refused(context, StatusCodes.Status400BadRequest, "BadArgument", "The watermark is not one this service issued.");
        }
        var page = await store.SinceAsync(conversationId, watermark, PageSize, cancellationToken);
        return Results.Text(page.ToActivitySetJson(), "application/json", Encoding.UTF8);
    }

    private static Task<IResult> PostActivityAsync(
        HttpContext context,
        string conversationId,
        DirectLineTokens tokens,
        DirectLineStore store,
        InboundSeam seam,
        IOptions<WebOptions> options,
        IOptions<PipelineOptions> pipeline,
        TimeProvider clock,
        CancellationToken cancellationToken) =>
        seam.HandleAsync(context, new DirectLineInbound(conversationId, tokens, store, options.Value, pipeline.Value, clock), cancellationToken);

    private static async Task StreamAsync(
        HttpContext context,
        string conversationId,
        DirectLineTokens tokens,
        DirectLineStore store,
        DirectLineNotifier notifier,
        IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await DirectLineErrors.Refused(context, StatusCodes.Status400BadRequest, "BadArgument", "This endpoint takes a WebSocket upgrade.").ExecuteAsync(context);
            return;
        }
        var grant = await AuthorizeAsync(context, tokens, conversationId);
        if (grant is null)
        {
            await DirectLineErrors.Forbidden(context).ExecuteAsync(context);
            return;
        }
        if (!TryParseWatermark(context.Request.Query["watermark"], out var watermark))
        {
            await DirectLineErrors.Refused(context, StatusCodes.Status400BadRequest, "BadArgument", "The watermark is not one this service issued.").ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        using var subscription = notifier.Subscribe(conversationId);
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var receiving = DrainUntilClosedAsync(socket, closing);
        var sessionChecked = Stopwatch.GetTimestamp();
        try
        {
            while (!closing.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                // A person's stream ends soon after their session does (signed out, or out everywhere).
                if (grant.SessionId is not null && Stopwatch.GetElapsedTime(sessionChecked) >= SessionRecheck)
                {
                    if (!await IsLiveAsync(context, grant, closing.Token))
                    {
                        break;
                    }
                    sessionChecked = Stopwatch.GetTimestamp();
                }
                // Live activities first (they precede the stored reply that completes them), without a watermark.
                while (subscription.Live.TryDequeue(out var live))
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes("{\"activities\":[" + live + "]}"), WebSocketMessageType.Text, endOfMessage: true, closing.Token);
                }
                // Replays everything after the watermark on connect, then sends each new page as it is committed.
                var page = await store.SinceAsync(conversationId, watermark, PageSize, closing.Token);
                if (page.Activities.Count > 0)
                {
                    var frame = Encoding.UTF8.GetBytes(page.ToActivitySetJson());
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, closing.Token);
                    watermark = long.Parse(page.Watermark!, CultureInfo.InvariantCulture);
                    if (page.Activities.Count == PageSize)
                    {
                        continue;
                    }
                }
                await subscription.Signal.WaitAsync(StreamPoll, closing.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
            // The client went away.
        }
        finally
        {
            // Answer the client's close (CloseReceived) as well as closing first: either way the handshake completes.
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closing", timeout.Token);
                }
                catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
                {
                }
            }
            await closing.CancelAsync();
            await receiving;
        }
    }

    private static async Task DrainUntilClosedAsync(WebSocket socket, CancellationTokenSource closing)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, closing.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
        }
        await closing.CancelAsync();
    }

    private static bool TryParseWatermark(string? text, out long? watermark)
    {
        watermark = null;
        if (string.IsNullOrEmpty(text) || text == "-")
        {
            return true;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            watermark = value;
            return true;
        }
        return false;
    }
}
