using System.Text.Json;
using Bot.Channels.BotFramework;
using Bot.Channels.Inbound;
using Bot.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Web;

/// <summary>
/// <c>POST /v3/directline/conversations/{id}/activities</c> as a door of the <see cref="InboundSeam"/>: the
/// conversation token is checked before the body is read; a message is committed (inbox row, thread event and its
/// transcript echo) before the client gets its id; typing and event activities are acknowledged and not kept.
/// Refusals use Direct Line's error body, which Web Chat and directlinejs read.
/// </summary>
internal sealed class DirectLineInbound(string conversationId, DirectLineTokens tokens, DirectLineStore store, WebOptions options, PipelineOptions pipeline, TimeProvider clock)
    : IInboundEndpoint<Activity>
{
    private DateTimeOffset received;
    private DirectLineGrant? grant;

    public long MaxBodyBytes => options.MaxActivityBytes;

    /// <summary>The token (a header or the query) is checked before a byte of the body is read; it also names the sender.</summary>
    public async ValueTask<IResult?> VerifyHeadersAsync(HttpContext context, CancellationToken cancellationToken)
    {
        grant = await DirectLineEndpoints.AuthorizeAsync(context, tokens, conversationId);
        return grant is null ? DirectLineErrors.Forbidden(context) : null;
    }

    public IResult? VerifyBody(HttpContext context, byte[] body) => null;

    public InboundParse<Activity> Parse(byte[] body) => InboundJson.Parse<Activity>(body, ActivityJson.Options, "an activity object");

    public ValueTask<InboundMapping> MapAsync(HttpContext context, Activity activity, CancellationToken cancellationToken)
    {
        var type = activity.Type ?? Activity.Types.Message;
        if (!string.Equals(type, Activity.Types.Message, StringComparison.Ordinal))
        {
            // Typing and event activities are accepted and not kept: nothing in a thread depends on them.
            return ValueTask.FromResult(InboundMapping.Ignore());
        }
        var action = DirectLineMapper.ActionFrom(activity);
        if (string.IsNullOrWhiteSpace(activity.Text) && action is null)
        {
            throw new InboundRefusedException("a message activity needs text (or a card action value)");
        }
        var maxText = pipeline.MaxInboundCharacters;
        int? omitted = null;
        if (activity.Text is { } text && text.Length > maxText)
        {
            // Kept as a note, in the thread and in the transcript alike; the bot's answer names the limit.
            omitted = text.Length;
            activity = activity with { Text = InboundChecks.OmittedText(text.Length, maxText) };
        }
        // A valid token names a conversation this service created; the recorder upserts it, so no lookup is needed here.
        // The client's own id for the activity makes a repeated post (a retry after a lost answer) a duplicate.
        var clientId = DirectLineMapper.ClientActivityId(activity) ?? activity.Id;
        var eventId = conversationId + ":" + (clientId ?? Guid.CreateVersion7().ToString("N"));
        received = clock.GetUtcNow();
        var incoming = DirectLineMapper.ToIncoming(activity, conversationId, eventId, received, grant!.SenderId) with { OmittedTextLength = omitted };
        var echoed = activity;
        return ValueTask.FromResult(InboundMapping.Record(incoming, inboxId =>
        {
            var echo = DirectLineMapper.Echo(echoed, inboxId.ToString("N"), conversationId, received);
            return new TranscriptEcho(echo.Id!, JsonSerializer.Serialize(echo, ActivityJson.Options));
        }));
    }

    public ValueTask<IResult> AcknowledgeAsync(HttpContext context, Activity? activity, InboundOutcome outcome, CancellationToken cancellationToken)
    {
        switch (outcome.Result)
        {
            case InboundResult.Recorded:
                store.Notify(conversationId);
                return Ok(outcome.Record!.InboxId);
            case InboundResult.Duplicate:
                return Ok(outcome.Record!.InboxId);
            case InboundResult.Refused:
                var code = outcome.Status == StatusCodes.Status413PayloadTooLarge ? "MessageSizeTooBig" : "BadArgument";
                var message = outcome.Stage == InboundStage.Body ? outcome.Reason! : "The activity was refused: " + outcome.Reason + ".";
                return ValueTask.FromResult(DirectLineErrors.Refused(context, outcome.Status, code, message));
            default:
                return ValueTask.FromResult<IResult>(Results.Ok(new { id = Guid.CreateVersion7().ToString("N") }));
        }
    }

    private static ValueTask<IResult> Ok(Guid inboxId) => ValueTask.FromResult<IResult>(Results.Ok(new { id = inboxId.ToString("N") }));
}
