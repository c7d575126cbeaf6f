using Bot.Pipeline;
using Bot.Pipeline.Model;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Inbound;

/// <summary>
/// What a channel's mapper made of one verified payload (step 2 of the flow in docs/architecture.md): a message to
/// record, nothing the bot keeps, an answer given without recording, or a press the pipeline must answer inside the
/// request. A payload the mapper cannot take is refused by throwing <see cref="InboundRefusedException"/>.
/// </summary>
public sealed record InboundMapping
{
    private InboundMapping() { }

    /// <summary>The message to record (for <see cref="InboundMappingKind.Record"/>).</summary>
    public IncomingMessage? Message { get; private init; }

    /// <summary>The transcript echo stored with the message (Direct Line only).</summary>
    public TranscriptEchoFactory? Echo { get; private init; }

    /// <summary>The answer of <see cref="InboundMappingKind.Answer"/>.</summary>
    public IResult? Response { get; private init; }

    /// <summary>The work of <see cref="InboundMappingKind.ActNow"/>: it records through the pipeline itself and answers.</summary>
    public Func<CancellationToken, Task<IResult>>? Act { get; private init; }

    public InboundMappingKind Kind { get; private init; }

    /// <summary>Record <paramref name="message"/> in the inbox; the platform is answered after the commit.</summary>
    public static InboundMapping Record(IncomingMessage message, TranscriptEchoFactory? echo = null) =>
        new() { Kind = InboundMappingKind.Record, Message = message, Echo = echo };

    /// <summary>Nothing here for the bot (a reaction, a typing notice, a message in a thread it is not part of).</summary>
    public static InboundMapping Ignore() => new() { Kind = InboundMappingKind.Ignore };

    /// <summary>Answered at once and not recorded (Slack's URL check, a request the platform should not have sent).</summary>
    public static InboundMapping Answer(IResult response) => new() { Kind = InboundMappingKind.Answer, Response = response };

    /// <summary>
    /// A press whose answer the platform waits for in the request (Teams <c>Action.Execute</c>): the pipeline's
    /// <c>CardActionRouter.HandleNowAsync</c> decides and records it, and its answer is the response.
    /// </summary>
    public static InboundMapping ActNow(Func<CancellationToken, Task<IResult>> act) => new() { Kind = InboundMappingKind.ActNow, Act = act };
}

public enum InboundMappingKind { Record, Ignore, Answer, ActNow }
