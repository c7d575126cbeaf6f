namespace Bot.Agent.Identities;

/// <summary>How a <c>/connect CODE</c> ended.</summary>
public enum RedeemStatus
{
    /// <summary>The two users are one person now (also when the same turn runs again after the join).</summary>
    Joined,

    /// <summary>No code like it exists (or it was not a code at all).</summary>
    Invalid,

    Expired,

    /// <summary>Used already, replaced by a newer code, or voided.</summary>
    Spent,

    /// <summary>Sent from the very account that asked for the code.</summary>
    SameAccount,

    /// <summary>The two accounts already belong to one person.</summary>
    AlreadyJoined,

    /// <summary>Too many wrong codes; <see cref="RedeemResult.RetryAfter"/> says when to try again.</summary>
    RateLimited,

    /// <summary>Too many wrong codes from everyone at once.</summary>
    Busy,
}

/// <summary>A redeem's outcome: for <see cref="RedeemStatus.Joined"/> the surviving user, for failures the tries left.</summary>
public sealed record RedeemResult(RedeemStatus Status, Guid? UserId = null, int TriesLeft = 0, TimeSpan RetryAfter = default);
