namespace Bot.Finance.Plaid;

/// <summary>How far a one-time bank link got.</summary>
public enum PlaidLinkStatus
{
    /// <summary>The connection is stored and every step is done; the code is spent.</summary>
    Linked,
    /// <summary>The connection (its access token) is stored, but a follow-up call failed; the code still works to finish.</summary>
    LinkedFollowUpPending,
    /// <summary>An existing connection was repaired (update mode); the code is spent.</summary>
    Repaired,
    /// <summary>Another request is exchanging this code's public token right now; nothing was done here.</summary>
    InProgressElsewhere,
    /// <summary>Plaid could not be reached for the exchange; nothing was stored and the code still works.</summary>
    ExchangeUnreachable,
    /// <summary>Plaid refused the exchange (<see cref="PlaidLinkOutcome.Error"/>); nothing was stored and the code still works.</summary>
    ExchangeRejected,
    /// <summary>The exchange worked but the token could not be saved; nothing was stored and the code still works.</summary>
    NotStored,
}

public sealed record PlaidLinkOutcome(PlaidLinkStatus Status, string? Institution = null, PlaidApiException? Error = null);
