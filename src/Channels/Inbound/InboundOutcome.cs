using Bot.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Inbound;

/// <summary>What became of one inbound payload at the seam, handed to the channel's acknowledgement.</summary>
public enum InboundResult
{
    /// <summary>Committed to the inbox; a turn will answer it.</summary>
    Recorded,

    /// <summary>Already in the inbox (a platform's redelivery): acknowledged again, recorded once.</summary>
    Duplicate,

    /// <summary>Nothing for the bot; acknowledged so the platform does not retry.</summary>
    Ignored,

    /// <summary>Answered in the request (<see cref="InboundOutcome.Response"/>).</summary>
    Answered,

    /// <summary>Refused with <see cref="InboundOutcome.Reason"/>; nothing was recorded.</summary>
    Refused,
}

/// <summary>Where a refusal happened: the body itself (size, framing), the payload (not JSON of the right shape), or the message it carries.</summary>
public enum InboundStage { Body, Payload, Message }

/// <summary>The seam's result for one payload. A refusal's reason names the field, never its value.</summary>
public readonly record struct InboundOutcome(InboundResult Result, InboundRecord? Record = null, IResult? Response = null, string? Reason = null, int Status = StatusCodes.Status200OK, InboundStage Stage = InboundStage.Message)
{
    public static InboundOutcome Refused(InboundStage stage, int status, string reason) => new(InboundResult.Refused, Reason: reason, Status: status, Stage: stage);

    /// <summary>Recorded now or before: either way the platform may be told the message is kept.</summary>
    public bool IsKept => Result is InboundResult.Recorded or InboundResult.Duplicate;
}
