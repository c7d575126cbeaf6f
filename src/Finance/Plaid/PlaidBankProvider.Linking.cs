using Bot.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

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
            var item = await db.Set<BankItem>().AsNoTracking().SingleAsync(i => i.Id == itemId && i.UserId == userId, cancellationToken);
            accessToken = tokens.Unprotect(item.ProtectedAccessToken);
        }
        var request = new PlaidLinkTokenCreateRequest(
            settings.ClientName, "en", PlaidOptions.Split(settings.CountryCodes), new PlaidLinkTokenUser(userId.ToString("N")),
            accessToken is null ? PlaidOptions.Split(settings.Products) : null, accessToken);
        return await plaid.CreateLinkTokenAsync(request, cancellationToken);
    }

    /// <summary>Exchanges the public token Plaid Link produced and stores the connection with its token encrypted.</summary>
    public async Task<string?> CompleteLinkAsync(Guid userId, string publicToken, CancellationToken cancellationToken)
    {
        var exchange = await plaid.ExchangePublicTokenAsync(publicToken, cancellationToken);
        string? institution = null;
        try
        {
            institution = (await plaid.GetBalancesAsync(exchange.AccessToken, cancellationToken)).Item?.InstitutionName;
        }
        catch (PlaidApiException exception)
        {
            LogInstitutionUnknown(logger, exception.ErrorCode);
        }
        await StoreItemAsync(userId, exchange.ItemId, exchange.AccessToken, institution, cancellationToken);
        LogLinked(logger, userId, exchange.ItemId);
        return institution;
    }

    /// <summary>Links a Plaid sandbox test bank without a browser (<c>/sandbox/public_token/create</c>).</summary>
    public async Task<string?> LinkSandboxAsync(Guid userId, CancellationToken cancellationToken)
    {
        var created = await plaid.CreateSandboxPublicTokenAsync(SandboxInstitution, PlaidOptions.Split(options.Value.Products), cancellationToken);
        return await CompleteLinkAsync(userId, created.PublicToken, cancellationToken);
    }

    /// <summary>After update mode succeeded: the connection works again.</summary>
    public async Task MarkRepairedAsync(Guid bankItemId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await db.Set<BankItem>().Where(i => i.Id == bankItemId)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, BankItemStatus.Active).SetProperty(i => i.UpdatedAt, now), cancellationToken);
    }

    internal async Task StoreItemAsync(Guid userId, string itemId, string accessToken, string? institution, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO bank_items (id, user_id, provider, external_id, institution_name, protected_access_token, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, '{nameof(BankItemStatus.Active)}', $7, $7)
            ON CONFLICT (provider, external_id) DO UPDATE SET
                protected_access_token = excluded.protected_access_token, institution_name = COALESCE(excluded.institution_name, bank_items.institution_name),
                status = '{nameof(BankItemStatus.Active)}', updated_at = excluded.updated_at
            WHERE bank_items.user_id = excluded.user_id
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = ProviderName });
        command.Parameters.Add(new() { Value = itemId });
        command.Parameters.Add(new() { Value = (object?)institution ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = tokens.Protect(accessToken) });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Linked Plaid item {ItemId} for user {UserId}")]
    private static partial void LogLinked(ILogger logger, Guid userId, string itemId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The institution of a new Plaid item is unknown ({ErrorCode})")]
    private static partial void LogInstitutionUnknown(ILogger logger, string errorCode);
}
