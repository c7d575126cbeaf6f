using Bot.Finance.Broker;
using Bot.Pipeline.Threads;

namespace Bot.Finance.Bank;

/// <summary>
/// The embedded bank when Plaid is not configured. Each person gets their own generated bank, seeded from their
/// first channel identity (so the web chat's owner sees the same demo bank after a database reset).
/// </summary>
public sealed class DemoBank(ThreadQueries threads, TimeProvider clock) : IBankProvider
{
    public string SourceName => "demo bank";

    public bool IsDemo => true;

    public Task<bool> IsLinkedAsync(Guid userId, CancellationToken cancellationToken) => Task.FromResult(true);

    public async Task<IReadOnlyList<BankAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken) =>
        (await DataForAsync(userId, cancellationToken)).Accounts(Today);

    public async Task<IReadOnlyList<BankTransaction>> GetTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        (await DataForAsync(userId, cancellationToken)).Transactions(Today, from, to);

    public async Task<IReadOnlyList<BankHolding>> GetHoldingsAsync(Guid userId, CancellationToken cancellationToken) =>
        (await DataForAsync(userId, cancellationToken)).Holdings(Today);

    public async Task<IReadOnlyList<InvestmentTransaction>> GetInvestmentTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        (await DataForAsync(userId, cancellationToken)).InvestmentTransactions(Today, from, to);

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    private async Task<DemoBankData> DataForAsync(Guid userId, CancellationToken cancellationToken)
    {
        var identity = await threads.FirstIdentityOfAsync(userId, cancellationToken);
        return new DemoBankData(SeedFor(identity ?? userId.ToString("N")));
    }

    public static ulong SeedFor(string identity) => DeterministicQuotes.Hash("demo-bank:" + identity);
}
