namespace Bot.Channels.Web;

/// <summary>
/// What a Direct Line token grants: one conversation, as one sender. A token minted for a signed-in person binds their
/// user and the session it was minted in (it stops working when that session ends); an owner's token binds neither,
/// and its activities come from the web chat's <c>owner</c> identity as before.
/// </summary>
public sealed record DirectLineGrant(string Conversation, Guid? UserId = null, Guid? SessionId = null)
{
    /// <summary>
    /// The sender's platform id in the web channel: the person's user id (the identity <c>web</c> / that id points at
    /// their user), or <see cref="DirectLineMapper.OwnerId"/>.
    /// </summary>
    public string SenderId => UserId is { } user ? DirectLineStore.PersonSenderId(user) : DirectLineMapper.OwnerId;

    /// <summary>The grant as the token's protected payload: the conversation alone, or conversation|user|session.</summary>
    internal string ToPayload() =>
        UserId is { } user && SessionId is { } session ? $"{Conversation}|{user:N}|{session:N}" : Conversation;

    internal static DirectLineGrant? FromPayload(string payload)
    {
        var parts = payload.Split('|');
        return parts.Length switch
        {
            1 => new DirectLineGrant(parts[0]),
            3 when Guid.TryParseExact(parts[1], "N", out var user) && Guid.TryParseExact(parts[2], "N", out var session) =>
                new DirectLineGrant(parts[0], user, session),
            _ => null,
        };
    }
}
