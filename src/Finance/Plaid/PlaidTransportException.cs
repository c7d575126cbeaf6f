namespace Bot.Finance.Plaid;

/// <summary>Plaid could not be reached, or answered something that is not Plaid's JSON.</summary>
public sealed class PlaidTransportException(string message, Exception? inner = null) : Exception(message, inner);
