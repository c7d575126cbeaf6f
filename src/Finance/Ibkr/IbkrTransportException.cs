namespace Bot.Finance.Ibkr;

/// <summary>The gateway could not be reached, or answered something that is not IBKR's JSON.</summary>
public sealed class IbkrTransportException(string message, Exception? inner = null) : Exception(message, inner);
