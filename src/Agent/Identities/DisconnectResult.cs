namespace Bot.Agent.Identities;

/// <summary>How a <c>/disconnect CHANNEL</c> ended.</summary>
public enum DisconnectStatus
{
    /// <summary>The channel's accounts are a user of their own (<see cref="DisconnectResult.NewUserId"/>).</summary>
    Split,

    /// <summary>The person has no account on that channel.</summary>
    NotConnected,

    /// <summary>Refused: it is the person's only channel.</summary>
    Last,
}

public sealed record DisconnectResult(DisconnectStatus Status, Guid? NewUserId = null, int Threads = 0, int Schedules = 0, int TradePlans = 0);
