using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Channels.Access;
using Bot.Channels.Inbound;
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

    // Direct Line has its own credential, a conversation token, and its own refusal (403 with Direct Line's error body,
    // which Web Chat and directlinejs read); the handlers check it, bound to the conversation in the route.
    private const string TokenInHandler = "Direct Line: the handler checks the conversation token (bearer or ?t=) against the route's conversation, 403 in Direct Line's error shape";
    private const string OwnerInHandler = "Direct Line: the handler lets only the web chat owner (OwnerAccess) mint a token, 403 in Direct Line's error shape";
    private const string TokenOrOwnerInHandler = "Direct Line: the handler accepts a conversation token, else only the web chat owner (OwnerAccess) starts one, 403 in Direct Line's error shape";

    public static IEndpointRouteBuilder MapDirectLine(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v3/directline").ExcludeFromDescription();
        // Each endpoint says so itself (not the group), so a new Direct Line endpoint falls to the owner-only fallback.
        group.MapPost("/tokens/generate", GenerateTokenAsync).AllowAnonymous(OwnerInHandler);
        group.MapPost("/tokens/refresh", RefreshToken).AllowAnonymous(TokenInHandler);
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

    /// <summary>The conversation a request's token grants, checked against the route's conversation id.</summary>
    internal static string? Authorize(HttpContext context, DirectLineTokens tokens, string? conversationId = null)
    {
        var token = OwnerAccess.BearerToken(context.Request) ?? context.Request.Query["t"].ToString();
        var granted = tokens.Validate(token);
        return granted is not null && (conversationId is null || string.Equals(granted, conversationId, StringComparison.Ordinal)) ? granted : null;
    }

    private static async Task<IResult> GenerateTokenAsync(HttpContext context, OwnerAccess owner, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        if (!owner.IsOwner(context))
        {
            return DirectLineErrors.Forbidden(context);
        }
        var address = await store.CreateConversationAsync(cancellationToken);
        return Results.Ok(new { conversationId = address, token = tokens.Issue(address), expires_in = (int)tokens.Lifetime.TotalSeconds });
    }

    private static IResult RefreshToken(HttpContext context, DirectLineTokens tokens)
    {
        var address = Authorize(context, tokens);
        return address is null
            ? DirectLineErrors.Forbidden(context)
            : Results.Ok(new { conversationId = address, token = tokens.Issue(address), expires_in = (int)tokens.Lifetime.TotalSeconds });
    }

    private static async Task<IResult> StartConversationAsync(HttpContext context, OwnerAccess owner, DirectLineStore store, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        // With a token from tokens/generate the conversation already exists; otherwise the owner starts a new one.
        var address = Authorize(context, tokens);
        var created = false;
        if (address is null)
        {
            if (!owner.IsOwner(context))
            {
                return DirectLineErrors.Forbidden(context);
            }
            address = await store.CreateConversationAsync(cancellationToken);
            created = true;
        }
        var body = ConversationBody(context, tokens, address, watermark: null);
        return created ? Results.Json(body, statusCode: StatusCodes.Status201Created) : Results.Ok(body);
    }

    private static async Task<IResult> ReconnectAsync(HttpContext context, string conversationId, DirectLineTokens tokens, DirectLineStore store, CancellationToken cancellationToken)
    {
        if (Authorize(context, tokens, conversationId) is null)
        {
            return DirectLineErrors.Forbidden(context);
        }
        if (!await store.ExistsAsync(conversationId, cancellationToken))
        {
            return DirectLineErrors.Error(StatusCodes.Status404NotFound, "BadArgument", "Conversation not found.");
        }
        return Results.Ok(ConversationBody(context, tokens, conversationId, context.Request.Query["watermark"].ToString()));
    }

    private static object ConversationBody(HttpContext context, DirectLineTokens tokens, string address, string? watermark)
    {
        var token = tokens.Issue(address);
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
        if (Authorize(context, tokens, conversationId) is null)
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
        if (Authorize(context, tokens, conversationId) is null)
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
        try
        {
            while (!closing.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
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
