using Bot.Finance.Broker;
using Bot.Speech;

namespace Bot.BotHost.Hosting;

/// <summary>
/// The symbols a person may say in a voice note: the common ones and those of their brokerage positions, so the
/// command grammar knows "s. c. h. d." when they hold SCHD. A broker that cannot answer within two seconds leaves the
/// common symbols (the voice note is still answered; only a held symbol outside them is not recognised by its letters).
/// Lives in the host because speech may not use the finance layer.
/// </summary>
public sealed class HeldSymbolsVocabulary(IBrokerProvider broker) : ISpeechVocabulary
{
    public async Task<IReadOnlyCollection<string>> SymbolsAsync(Guid userId, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var positions = await broker.GetPositionsAsync(userId, timeout.Token);
            return SpokenSymbols.Common.Concat(positions.Select(p => p.Symbol.ToUpperInvariant())).Distinct(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return SpokenSymbols.Common;
        }
    }
}
