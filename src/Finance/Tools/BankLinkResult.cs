using Bot.Finance.Bank;
using Bot.Finance.Broker;

namespace Bot.Finance.Tools;

public sealed record BankLinkResult(string Message, string? Url, DateTimeOffset? ExpiresAt);
