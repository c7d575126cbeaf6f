using System.Data.Common;
using Bot.Finance.Bank;
using Bot.Storage.Entities;
using Microsoft.Extensions.Logging;
using static Bot.Pipeline.Sql;

namespace Bot.Finance.Plaid;

/// <summary>Connecting banks: Link tokens, the public-token exchange, sandbox linking, update-mode repair.</summary>
public sealed partial class PlaidBankProvider
{
    /// <summary>A Plaid Link token for the user: a new connection, or update mode for an existing one.</summary>
    public async Task<PlaidLinkTokenCreateResponse> CreateLinkTokenAsync(Guid userId, Guid? bankItemId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        string? accessToken = null;
        if (bankItemId is { } itemId)
        {
            var item = await ItemAsync(itemId, userId, cancellationToken);
            accessToken = tokens.Unprotect(item.ProtectedAccessToken);
        }
        var request = new PlaidLinkTokenCreateRequest(
            settings.ClientName, "en", PlaidOptions.Split(settings.CountryCodes), new PlaidLinkTokenUser(userId.ToString("N")),
            accessToken is null ? PlaidOptions.Split(settings.Products) : null, accessToken);
        return await plaid.CreateLinkTokenAsync(request, cancellationToken);
    }

    /// <summary>
    /// Completes a one-time link in steps that each survive a failure of the next: (1) claim the code, so that one
    /// request exchanges its public token; (2) exchange it; (3) store the access token, encrypted, and record the item
    /// on the session in the same statement; (4) optional follow-ups (the institution's name); (5) spend the code. A
    /// failure before (3) stores nothing and frees the code for another try; a failure after it leaves the connection
    /// in place and the code valid, and the next try starts at (4) without exchanging again.
    /// </summary>
    public async Task<PlaidLinkOutcome> CompleteLinkAsync(BankLinks links, BankLinkGrant grant, string publicToken, CancellationToken cancellationToken)
    {
        if (grant.BankItemId is { } repaired)
        {
            await MarkRepairedAsync(repaired, cancellationToken);
            await links.SpendAsync(grant.SessionId, cancellationToken);
            return new(PlaidLinkStatus.Repaired);
        }
        var itemId = grant.LinkedBankItemId;
        if (itemId is null)
        {
            if (!await links.ClaimAsync(grant.SessionId, cancellationToken))
            {
                return new(PlaidLinkStatus.InProgressElsewhere);
            }
            var stored = await ExchangeAndStoreAsync(links, grant, publicToken, cancellationToken);
            if (stored.Outcome is { } failed)
            {
                return failed;
            }
            itemId = stored.ItemId;
        }
        string? institution;
        try
        {
            institution = await LookUpInstitutionAsync(itemId!.Value, cancellationToken);
        }
        catch (Exception exception) when (exception is PlaidTransportException or PlaidApiException)
        {
            LogFollowUpPending(logger, itemId!.Value, exception is PlaidApiException api ? api.ErrorCode : "unreachable");
            return new(PlaidLinkStatus.LinkedFollowUpPending);
        }
        await links.SpendAsync(grant.SessionId, cancellationToken);
        return new(PlaidLinkStatus.Linked, institution);
    }

    /// <summary>Links a Plaid sandbox test bank without a browser (<c>/sandbox/public_token/create</c>).</summary>
    public async Task<string?> LinkSandboxAsync(Guid userId, CancellationToken cancellationToken)
    {
        var created = await plaid.CreateSandboxPublicTokenAsync(SandboxInstitution, PlaidOptions.Split(options.Value.Products), cancellationToken);
        var exchange = await plaid.ExchangePublicTokenAsync(created.PublicToken, cancellationToken);
        var itemId = await StoreItemAsync(userId, exchange.ItemId, exchange.AccessToken, null, null, CancellationToken.None)
            ?? throw new InvalidOperationException("The sandbox item belongs to another user.");
        LogLinked(logger, userId, exchange.ItemId);
        try
        {
            return await LookUpInstitutionAsync(itemId, cancellationToken);
        }
        catch (Exception exception) when (exception is PlaidTransportException or PlaidApiException)
        {
            LogFollowUpPending(logger, itemId, exception is PlaidApiException api ? api.ErrorCode : "unreachable");
            return null;
        }
    }

    /// <summary>After update mode succeeded: the connection works again.</summary>
    public Task MarkRepairedAsync(Guid bankItemId, CancellationToken cancellationToken) =>
        SetStatusAsync(bankItemId, BankItemStatus.Active, cancellationToken);

    /// <summary>Steps (2) and (3): the item id, or the outcome to answer with when nothing was stored (the claim then ended).</summary>
    private async Task<(Guid? ItemId, PlaidLinkOutcome? Outcome)> ExchangeAndStoreAsync(
        BankLinks links, BankLinkGrant grant, string publicToken, CancellationToken cancellationToken)
    {
        PlaidPublicTokenExchangeResponse exchange;
        try
        {
            exchange = await plaid.ExchangePublicTokenAsync(publicToken, cancellationToken);
        }
        catch (PlaidApiException exception)
        {
            await links.ReleaseAsync(grant.SessionId, CancellationToken.None);
            return (null, new(PlaidLinkStatus.ExchangeRejected, Error: exception));
        }
        catch (PlaidTransportException)
        {
            await links.ReleaseAsync(grant.SessionId, CancellationToken.None);
            return (null, new(PlaidLinkStatus.ExchangeUnreachable));
        }
        catch (OperationCanceledException)
        {
            await links.ReleaseAsync(grant.SessionId, CancellationToken.None);
            throw;
        }
        Guid? itemId;
        try
        {
            // The token is in hand now: a client that went away must not make us drop it.
            itemId = await StoreItemAsync(grant.UserId, exchange.ItemId, exchange.AccessToken, null, grant.SessionId, CancellationToken.None);
        }
        catch (DbException exception)
        {
            LogNotStored(logger, exchange.ItemId, exception.GetType().Name);
            await TryReleaseAsync(links, grant.SessionId);
            return (null, new(PlaidLinkStatus.NotStored));
        }
        if (itemId is null)
        {
            LogOwnedByAnotherUser(logger, exchange.ItemId);
            await links.ReleaseAsync(grant.SessionId, CancellationToken.None);
            return (null, new(PlaidLinkStatus.NotStored));
        }
        LogLinked(logger, grant.UserId, exchange.ItemId);
        return (itemId, null);
    }

    private static async Task TryReleaseAsync(BankLinks links, Guid sessionId)
    {
        try
        {
            await links.ReleaseAsync(sessionId, CancellationToken.None);
        }
        catch (DbException)
        {
            // the database is away; the claim lapses by itself after BankLinks.ClaimTime
        }
    }

    /// <summary>Step (4): the institution's name from Plaid, kept on the item. Throws Plaid's exceptions.</summary>
    private async Task<string?> LookUpInstitutionAsync(Guid itemId, CancellationToken cancellationToken)
    {
        var item = await ItemAsync(itemId, null, cancellationToken);
        var institution = (await CallAsync(item, token => plaid.GetBalancesAsync(token, cancellationToken), cancellationToken)).Item?.InstitutionName;
        if (institution is not null && item.InstitutionName is null)
        {
            await using var command = Command(dataSource,
                "UPDATE bank_items SET institution_name = $2, updated_at = $3 WHERE id = $1 AND institution_name IS NULL", itemId, institution, clock.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return institution ?? item.InstitutionName;
    }

    /// <summary>
    /// Stores (or refreshes) a connection with its access token encrypted and, for a one-time link, records it on the
    /// link session in the same statement. The item's id, or null when that Plaid item belongs to another user.
    /// </summary>
    internal async Task<Guid?> StoreItemAsync(Guid userId, string itemId, string accessToken, string? institution, Guid? linkSessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            $"""
            WITH item AS (
                INSERT INTO bank_items (id, user_id, provider, external_id, institution_name, protected_access_token, status, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, '{nameof(BankItemStatus.Active)}', $7, $7)
                ON CONFLICT (provider, external_id) DO UPDATE SET
                    protected_access_token = excluded.protected_access_token, institution_name = COALESCE(excluded.institution_name, bank_items.institution_name),
                    status = '{nameof(BankItemStatus.Active)}', updated_at = excluded.updated_at
                WHERE bank_items.user_id = excluded.user_id
                RETURNING id),
            session AS (
                UPDATE bank_link_sessions SET linked_bank_item_id = item.id, claimed_until = NULL
                FROM item WHERE bank_link_sessions.id = $8
                RETURNING 1)
            SELECT id FROM item
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = ProviderName });
        command.Parameters.Add(new() { Value = itemId });
        command.Parameters.Add(new() { Value = (object?)institution ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = tokens.Protect(accessToken) });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)linkSessionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Linked Plaid item {ItemId} for user {UserId}")]
    private static partial void LogLinked(ILogger logger, Guid userId, string itemId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bank connection {BankItemId} is stored, but its follow-up call to Plaid failed ({Reason}); the link can be retried to finish")]
    private static partial void LogFollowUpPending(ILogger logger, Guid bankItemId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plaid item {ItemId} was exchanged but its access token could not be stored ({Error}); nothing was linked")]
    private static partial void LogNotStored(ILogger logger, string itemId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plaid item {ItemId} is already linked to another user; not stored")]
    private static partial void LogOwnedByAnotherUser(ILogger logger, string itemId);
}
