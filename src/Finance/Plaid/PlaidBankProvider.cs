using System.Globalization;
using Bot.Finance.Bank;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Bot.Pipeline.Sql;

namespace Bot.Finance.Plaid;

/// <summary>
/// The bank port over Plaid: every connected Item of the user, its access token decrypted only for the call.
/// Transactions come from <c>/transactions/sync</c>; each page set is applied together with the new cursor in one
/// database transaction, so a crash never skips or repeats a change. The bank tables (bank_items, bank_transactions,
/// bank_link_sessions) are SQL-only: storing a connection is an upsert that records it on its link session in the
/// same statement, and a sync applies upserts, deletes and the cursor in one batch, neither of which EF Core can say.
/// </summary>
public sealed partial class PlaidBankProvider(
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

    public async Task<bool> IsLinkedAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "SELECT EXISTS (SELECT 1 FROM bank_items WHERE user_id = $1 AND provider = $2)", userId, ProviderName);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

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
        var transactions = new List<BankTransaction>();
        await using var command = Command(dataSource,
            """
            SELECT external_id, account_id, date, name, merchant_name, category, amount, currency, pending
            FROM bank_transactions
            WHERE bank_item_id = ANY($1) AND date >= $2 AND date <= $3
            ORDER BY date DESC, external_id
            """, items.Select(i => i.Id).ToArray(), from, to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            transactions.Add(new BankTransaction(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetDecimal(6), reader.GetString(7), reader.GetBoolean(8)));
        }
        return transactions;
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

    private Task<List<BankItem>> ItemsAsync(Guid userId, CancellationToken cancellationToken) =>
        ReadItemsAsync(Command(dataSource, $"SELECT {ItemColumns} FROM bank_items WHERE user_id = $1 AND provider = $2 ORDER BY created_at", userId, ProviderName), cancellationToken);

    /// <summary>One item by id (and owner, when given); throws when there is none, as a missing item is a caller's mistake.</summary>
    private async Task<BankItem> ItemAsync(Guid itemId, Guid? userId, CancellationToken cancellationToken) =>
        (await ReadItemsAsync(Command(dataSource, $"SELECT {ItemColumns} FROM bank_items WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)",
            itemId, new NpgsqlParameter { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid }), cancellationToken)).Single();

    private const string ItemColumns =
        "id, user_id, provider, external_id, institution_name, protected_access_token, transactions_cursor, status, created_at, updated_at";

    /// <summary>Runs a command that selects <see cref="ItemColumns"/> (it is disposed here).</summary>
    private static async Task<List<BankItem>> ReadItemsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var items = new List<BankItem>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new BankItem
                {
                    Id = reader.GetGuid(0),
                    UserId = reader.GetGuid(1),
                    Provider = reader.GetString(2),
                    ExternalId = reader.GetString(3),
                    InstitutionName = reader.IsDBNull(4) ? null : reader.GetString(4),
                    ProtectedAccessToken = reader.GetString(5),
                    TransactionsCursor = reader.IsDBNull(6) ? null : reader.GetString(6),
                    Status = Enum.Parse<BankItemStatus>(reader.GetString(7)),
                    CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                    UpdatedAt = reader.GetFieldValue<DateTimeOffset>(9),
                });
            }
            return items;
        }
    }

    /// <summary>Moves an item to <paramref name="status"/> (a login it needs, or a repair that worked).</summary>
    private async Task SetStatusAsync(Guid itemId, BankItemStatus status, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, "UPDATE bank_items SET status = $2, updated_at = $3 WHERE id = $1", itemId, status.ToString(), clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

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
                await SetStatusAsync(item.Id, BankItemStatus.LoginRequired, cancellationToken);
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
