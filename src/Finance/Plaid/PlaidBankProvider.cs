using System.Globalization;
using Bot.Finance.Bank;
using Bot.Storage;
using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bot.Finance.Plaid;

/// <summary>
/// The bank port over Plaid: every connected Item of the user, its access token decrypted only for the call.
/// Transactions come from <c>/transactions/sync</c>; each page set is applied together with the new cursor in one
/// database transaction, so a crash never skips or repeats a change.
/// </summary>
public sealed partial class PlaidBankProvider(
    BotDbContext db,
    NpgsqlDataSource dataSource,
    PlaidClient plaid,
    BankTokenProtector tokens,
    IOptions<PlaidOptions> options,
    TimeProvider clock,
    ILogger<PlaidBankProvider> logger) : IBankProvider
{
    public const string ProviderName = "plaid";
    public const string SandboxInstitution = "ins_109508";
    private const int SyncPageSize = 500;
    private const int MaxSyncPages = 40;

    public string SourceName => "Plaid";

    public bool IsDemo => false;

    public async Task<bool> IsLinkedAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Set<BankItem>().AsNoTracking().AnyAsync(i => i.UserId == userId && i.Provider == ProviderName, cancellationToken);

    public async Task<IReadOnlyList<BankAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var result = new List<BankAccount>();
        foreach (var item in await ItemsAsync(userId, cancellationToken))
        {
            var response = await CallAsync(item, token => plaid.GetBalancesAsync(token, cancellationToken), cancellationToken);
            var institution = item.InstitutionName ?? response.Item?.InstitutionName;
            result.AddRange(response.Accounts.Select(a => ToAccount(a, institution)));
        }
        return result;
    }

    public async Task<IReadOnlyList<BankTransaction>> GetTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var items = await ItemsAsync(userId, cancellationToken);
        foreach (var item in items)
        {
            await SyncAsync(item, cancellationToken);
        }
        var ids = items.Select(i => i.Id).ToList();
        var rows = await db.Set<BankTransactionRecord>().AsNoTracking()
            .Where(t => ids.Contains(t.BankItemId) && t.Date >= from && t.Date <= to)
            .OrderByDescending(t => t.Date).ThenBy(t => t.ExternalId)
            .ToListAsync(cancellationToken);
        return rows.Select(t => new BankTransaction(t.ExternalId, t.AccountId, t.Date, t.Name, t.MerchantName, t.Category, t.Amount, t.Currency, t.Pending)).ToList();
    }

    public async Task<IReadOnlyList<BankHolding>> GetHoldingsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var result = new List<BankHolding>();
        foreach (var item in await ItemsAsync(userId, cancellationToken))
        {
            PlaidHoldingsResponse response;
            try
            {
                response = await CallAsync(item, token => plaid.GetHoldingsAsync(token, cancellationToken), cancellationToken);
            }
            catch (PlaidApiException exception) when (exception.ErrorCode is "PRODUCTS_NOT_SUPPORTED" or "NO_INVESTMENT_ACCOUNTS" or "INVALID_PRODUCT" or "ADDITIONAL_CONSENT_REQUIRED")
            {
                continue; // a bank without investment accounts
            }
            var securities = response.Securities.ToDictionary(s => s.SecurityId, StringComparer.Ordinal);
            result.AddRange(response.Holdings.Select(h =>
            {
                securities.TryGetValue(h.SecurityId, out var security);
                return new BankHolding(h.AccountId, security?.TickerSymbol, security?.Name ?? security?.TickerSymbol ?? h.SecurityId, h.Quantity,
                    h.InstitutionPrice, h.InstitutionValue ?? h.Quantity * h.InstitutionPrice, h.CostBasis, h.IsoCurrencyCode ?? h.UnofficialCurrencyCode ?? "USD");
            }));
        }
        return result;
    }

    public async Task<IReadOnlyList<InvestmentTransaction>> GetInvestmentTransactionsAsync(Guid userId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var result = new List<InvestmentTransaction>();
        foreach (var item in await ItemsAsync(userId, cancellationToken))
        {
            for (var offset = 0; ;)
            {
                PlaidInvestmentsTransactionsResponse page;
                try
                {
                    page = await CallAsync(item, token => plaid.GetInvestmentTransactionsAsync(token, from, to, offset, cancellationToken), cancellationToken);
                }
                catch (PlaidApiException exception) when (exception.ErrorCode is "PRODUCTS_NOT_SUPPORTED" or "NO_INVESTMENT_ACCOUNTS" or "INVALID_PRODUCT")
                {
                    break;
                }
                var securities = page.Securities.ToDictionary(s => s.SecurityId, StringComparer.Ordinal);
                result.AddRange(page.InvestmentTransactions.Select(t => new InvestmentTransaction(
                    t.InvestmentTransactionId, t.AccountId, t.Date, t.Name,
                    t.SecurityId is { } id && securities.TryGetValue(id, out var s) ? s.TickerSymbol : null,
                    t.Subtype ?? t.Type, t.Quantity, t.Price, t.Amount, t.IsoCurrencyCode ?? t.UnofficialCurrencyCode ?? "USD")));
                offset += page.InvestmentTransactions.Count;
                if (page.InvestmentTransactions.Count == 0 || offset >= page.TotalInvestmentTransactions)
                {
                    break;
                }
            }
        }
        return result.OrderByDescending(t => t.Date).ToList();
    }

    private async Task<List<BankItem>> ItemsAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Set<BankItem>().AsNoTracking().Where(i => i.UserId == userId && i.Provider == ProviderName).OrderBy(i => i.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>Runs one Plaid call for an item; an error names the item, and a login-required item is marked so.</summary>
    private async Task<T> CallAsync<T>(BankItem item, Func<string, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(tokens.Unprotect(item.ProtectedAccessToken));
        }
        catch (PlaidApiException exception) when (exception.BankItemId is null)
        {
            if (PlaidErrorAdvice.For(exception).Remedy == PlaidRemedy.Relink)
            {
                var now = clock.GetUtcNow();
                await db.Set<BankItem>().Where(i => i.Id == item.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, BankItemStatus.LoginRequired).SetProperty(i => i.UpdatedAt, now), cancellationToken);
            }
            throw new PlaidApiException(exception.Status, exception.Error, exception.RetryAfter) { BankItemId = item.Id };
        }
    }

    private async Task SyncAsync(BankItem item, CancellationToken cancellationToken)
    {
        var start = item.TransactionsCursor;
        for (var restart = 0; ; restart++)
        {
            var cursor = start;
            var added = new List<PlaidTransaction>();
            var removed = new List<string>();
            try
            {
                for (var page = 0; page < MaxSyncPages; page++)
                {
                    var response = await CallAsync(item, token => plaid.SyncTransactionsAsync(token, cursor, SyncPageSize, cancellationToken), cancellationToken);
                    added.AddRange(response.Added);
                    added.AddRange(response.Modified);
                    removed.AddRange(response.Removed.Select(r => r.TransactionId));
                    cursor = response.NextCursor;
                    if (!response.HasMore)
                    {
                        break;
                    }
                }
            }
            catch (PlaidApiException exception) when (exception.ErrorCode == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION" && restart < 2)
            {
                continue; // Plaid's rule: start the whole pagination again from the first cursor
            }
            await ApplyAsync(item.Id, added, removed, cursor, cancellationToken);
            return;
        }
    }

    private async Task ApplyAsync(Guid itemId, List<PlaidTransaction> upserts, List<string> removed, string? cursor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var t in upserts)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO bank_transactions (id, bank_item_id, external_id, account_id, date, name, merchant_name, category, amount, currency, pending)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (bank_item_id, external_id) DO UPDATE SET
                    account_id = excluded.account_id, date = excluded.date, name = excluded.name, merchant_name = excluded.merchant_name,
                    category = excluded.category, amount = excluded.amount, currency = excluded.currency, pending = excluded.pending
                """)
            {
                Parameters =
                {
                    new() { Value = Guid.CreateVersion7() },
                    new() { Value = itemId },
                    new() { Value = t.TransactionId },
                    new() { Value = t.AccountId },
                    new() { Value = t.Date },
                    new() { Value = t.Name ?? t.MerchantName ?? "Transaction" },
                    new() { Value = (object?)t.MerchantName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new() { Value = (object?)CategoryOf(t) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new() { Value = t.Amount },
                    new() { Value = t.IsoCurrencyCode ?? t.UnofficialCurrencyCode ?? "USD" },
                    new() { Value = t.Pending },
                },
            });
        }
        if (removed.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM bank_transactions WHERE bank_item_id = $1 AND external_id = ANY($2)")
            {
                Parameters = { new() { Value = itemId }, new() { Value = removed.ToArray() } },
            });
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE bank_items SET transactions_cursor = $2, updated_at = $3 WHERE id = $1")
        {
            Parameters =
            {
                new() { Value = itemId },
                new() { Value = (object?)cursor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                new() { Value = clock.GetUtcNow() },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Plaid's personal finance category (<c>FOOD_AND_DRINK</c>) as words (<c>Food and drink</c>).</summary>
    internal static string? CategoryOf(PlaidTransaction transaction)
    {
        var raw = transaction.PersonalFinanceCategory?.Primary;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return transaction.Category is { Count: > 0 } legacy ? legacy[0] : null;
        }
        var words = raw.Replace('_', ' ').ToLowerInvariant();
        return char.ToUpper(words[0], CultureInfo.InvariantCulture) + words[1..];
    }

    private static BankAccount ToAccount(PlaidAccount a, string? institution) => new(
        a.AccountId, a.Name, a.Mask, a.Type, a.Subtype, a.Balances.Current, a.Balances.Available, a.Balances.Limit,
        a.Balances.IsoCurrencyCode ?? a.Balances.UnofficialCurrencyCode ?? "USD", institution);
}
