using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bot.Agent.Identities;

/// <summary>An account (channel identity) of a person.</summary>
public sealed record ConnectedAccount(string Channel, string PlatformUserId, string? DisplayName);

/// <summary>A code just issued, in the form to type.</summary>
public sealed record IssuedCode(string Code, DateTimeOffset ExpiresAt);

/// <summary>
/// Connected identities (migration 0013): one-time codes that join the users of two accounts into one person
/// (<c>merge_users</c>), and the split that gives a channel's accounts a user of their own again (<c>split_identities</c>).
/// An account is named by its channel and platform user id, and always acts for the user its identity belongs to now
/// (a turn's user id can be a moment out of date when a join ran beside it). Codes never reach a log.
/// </summary>
public sealed partial class IdentityLinks(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<IdentityLinks> logger)
{
    private const int MaxAttempts = 4;

    /// <summary>The accounts of the user, oldest first.</summary>
    public async Task<IReadOnlyList<ConnectedAccount>> AccountsAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT channel, platform_user_id, display_name FROM channel_identities WHERE user_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = userId });
        var accounts = new List<ConnectedAccount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(new ConnectedAccount(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return accounts;
    }

    /// <summary>The accounts of the person this account belongs to, in words (<see cref="AccountList"/>).</summary>
    public async Task<string> DescribeAccountsAsync(string channel, string platformUserId, CancellationToken cancellationToken)
    {
        var userId = await UserOfAsync(channel, platformUserId, cancellationToken)
            ?? throw new InvalidOperationException($"No {channel} account {platformUserId} is known: a message from it records it first.");
        return AccountList.Describe(await AccountsAsync(userId, cancellationToken), channel, platformUserId);
    }

    /// <summary>The user the account belongs to now; null for an account never seen.</summary>
    public async Task<Guid?> UserOfAsync(string channel, string platformUserId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2");
        command.Parameters.Add(new() { Value = channel });
        command.Parameters.Add(new() { Value = platformUserId });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    /// <summary>
    /// A new code for the account, valid for <see cref="ConnectCode.Lifetime"/>; the account's earlier unused code is
    /// spent (replaced), so an account has one live code at most. Codes older than a day are deleted on the way.
    /// </summary>
    public async Task<IssuedCode> IssueAsync(string channel, string platformUserId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expires = now + ConnectCode.Lifetime;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (identityId, userId) = await IdentityAsync(connection, transaction, channel, platformUserId, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "UPDATE connect_codes SET spent_at = $2, spent_reason = 'replaced' WHERE identity_id = $1 AND spent_at IS NULL",
            [identityId, now], cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM connect_codes WHERE created_at < $1", [now.AddDays(-1)], cancellationToken);
        while (true)
        {
            var code = ConnectCode.Generate();
            ConnectCode.TryNormalize(code, out var canonical);
            var inserted = await ExecuteAsync(connection, transaction,
                """
                INSERT INTO connect_codes (id, user_id, identity_id, code_hash, created_at, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (code_hash) DO NOTHING
                """,
                [Guid.CreateVersion7(now), userId, identityId, ConnectCode.Hash(canonical), now, expires], cancellationToken);
            if (inserted == 1)
            {
                await transaction.CommitAsync(cancellationToken);
                LogIssued(logger, userId, channel);
                return new IssuedCode(code, expires);
            }
            // A code still stored drew the same 50 bits: draw again.
        }
    }

    /// <summary>
    /// Spends a code that was shown where others could read it (a group chat), so nobody else can redeem it. True when
    /// a live code was voided.
    /// </summary>
    public async Task<bool> VoidAsync(string typed, CancellationToken cancellationToken)
    {
        if (!ConnectCode.TryNormalize(typed, out var canonical))
        {
            return false;
        }
        await using var command = dataSource.CreateCommand(
            "UPDATE connect_codes SET spent_at = $2, spent_reason = 'voided' WHERE code_hash = $1 AND spent_at IS NULL");
        command.Parameters.Add(new() { Value = ConnectCode.Hash(canonical) });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Redeems a code from an account: the code's user is joined into this account's user (<c>merge_users</c>), and the
    /// code is spent, in one transaction. Wrong, expired and spent codes count against the account's and the global
    /// limits (<see cref="ConnectRateLimit"/>), checked first under a lock per account so concurrent guesses queue up.
    /// The same turn (<paramref name="turnId"/>) run again after a crash finds its code spent by itself and answers Joined.
    /// </summary>
    public async Task<RedeemResult> RedeemAsync(string channel, string platformUserId, string typed, Guid turnId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await TryRedeemAsync(channel, platformUserId, typed, turnId, cancellationToken) is { } result)
                {
                    return result;
                }
                if (attempt >= MaxAttempts)
                {
                    throw new InvalidOperationException($"Joining kept racing other joins of the same users ({MaxAttempts} attempts); nothing was changed.");
                }
                // One of the two users was joined into another a moment ago: look again with fresh data.
                LogRetried(logger, "a user joined elsewhere", attempt);
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // PostgreSQL chose the join as a deadlock victim (a writer of the same users locked in the other order);
                // nothing was written: try again.
                LogRetried(logger, exception.SqlState, attempt);
            }
        }
    }

    /// <summary>The redeem in one transaction; null when a user of the join was joined elsewhere meanwhile (nothing written).</summary>
    private async Task<RedeemResult?> TryRedeemAsync(string channel, string platformUserId, string typed, Guid turnId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended('connect:' || $1 || ':' || $2, 0))",
            [channel, platformUserId], cancellationToken);

        long accountFailures, globalFailures;
        DateTimeOffset? oldest;
        await using (var counts = Command(connection, transaction,
            """
            SELECT count(*), min(at),
                   (SELECT count(*) FROM connect_failures WHERE at > $4)
              FROM connect_failures WHERE channel = $1 AND platform_user_id = $2 AND at > $3
            """,
            [channel, platformUserId, now - ConnectRateLimit.AccountWindow, now - ConnectRateLimit.GlobalWindow]))
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            accountFailures = reader.GetInt64(0);
            oldest = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            globalFailures = reader.GetInt64(2);
        }
        switch (ConnectRateLimit.Check(accountFailures, globalFailures))
        {
            case ConnectLimit.Account:
                LogLimited(logger, channel, accountFailures);
                return new RedeemResult(RedeemStatus.RateLimited, RetryAfter: ConnectRateLimit.RetryAfter(oldest!.Value, now));
            case ConnectLimit.Global:
                LogBusy(logger, globalFailures);
                return new RedeemResult(RedeemStatus.Busy, RetryAfter: ConnectRateLimit.GlobalWindow);
        }

        var (identityId, userId) = await IdentityAsync(connection, transaction, channel, platformUserId, cancellationToken);
        if (!ConnectCode.TryNormalize(typed, out var canonical))
        {
            return await FailAsync(RedeemStatus.Invalid);
        }

        var found = false;
        Guid codeId = default, codeUser = default, codeIdentity = default;
        DateTimeOffset expiresAt = default;
        string? spentReason = null;
        Guid? spentByTurn = null;
        await using (var find = Command(connection, transaction,
            "SELECT id, user_id, identity_id, expires_at, spent_reason, spent_by_turn_id FROM connect_codes WHERE code_hash = $1 FOR UPDATE",
            [ConnectCode.Hash(canonical)]))
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                found = true;
                codeId = reader.GetGuid(0);
                codeUser = reader.GetGuid(1);
                codeIdentity = reader.GetGuid(2);
                expiresAt = reader.GetFieldValue<DateTimeOffset>(3);
                spentReason = reader.IsDBNull(4) ? null : reader.GetString(4);
                spentByTurn = reader.IsDBNull(5) ? null : reader.GetGuid(5);
            }
        }
        if (!found)
        {
            return await FailAsync(RedeemStatus.Invalid);
        }

        if (spentReason == JoinedReason && spentByTurn == turnId)
        {
            // This turn joined them before (it is running again after a crash or after its commit was refused).
            return new RedeemResult(RedeemStatus.Joined, userId);
        }
        if (spentReason is not null)
        {
            return await FailAsync(RedeemStatus.Spent);
        }
        if (expiresAt <= now)
        {
            return await FailAsync(RedeemStatus.Expired);
        }
        if (codeIdentity == identityId)
        {
            return new RedeemResult(RedeemStatus.SameAccount);
        }
        if (codeUser == userId)
        {
            return new RedeemResult(RedeemStatus.AlreadyJoined, userId);
        }

        // The code is spent first: merge_users voids the absorbed user's codes that are still live.
        await ExecuteAsync(connection, transaction,
            $"UPDATE connect_codes SET spent_at = $2, spent_reason = '{JoinedReason}', spent_by_user_id = $3, spent_by_turn_id = $4 WHERE id = $1",
            [codeId, now, userId, turnId], cancellationToken);
        string? summary;
        await using (var merge = Command(connection, transaction, "SELECT merge_users($1, $2, $1, $3, $4)::text", [userId, codeUser, now, Guid.CreateVersion7(now)]))
        {
            summary = await merge.ExecuteScalarAsync(cancellationToken) as string;
        }
        if (summary is null)
        {
            return null;
        }
        await transaction.CommitAsync(cancellationToken);
        using (var moved = JsonDocument.Parse(summary))
        {
            LogJoined(logger, codeUser, userId, moved.RootElement.GetProperty("moved").ToString());
        }
        return new RedeemResult(RedeemStatus.Joined, userId);

        async Task<RedeemResult> FailAsync(RedeemStatus status)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO connect_failures (id, channel, platform_user_id, at) VALUES ($1, $2, $3, $4)",
                [Guid.CreateVersion7(now), channel, platformUserId, now], cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM connect_failures WHERE at < $1", [now.AddDays(-1)], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogFailed(logger, channel, status, accountFailures + 1);
            return new RedeemResult(status, TriesLeft: ConnectRateLimit.TriesLeft(accountFailures + 1));
        }
    }

    /// <summary>
    /// Splits the accounts on <paramref name="channelToSplit"/> off the person the calling account belongs to, into a
    /// fresh user (<c>split_identities</c>: they take that channel's threads, the plans proposed in them and the
    /// schedules that deliver there; everything else stays).
    /// </summary>
    public async Task<DisconnectResult> DisconnectAsync(string channel, string platformUserId, string channelToSplit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            SELECT split_identities(ci.user_id, $3, $4, $5, $6)::text
              FROM channel_identities ci WHERE ci.channel = $1 AND ci.platform_user_id = $2
            """);
        foreach (var value in new object[] { channel, platformUserId, channelToSplit, Guid.CreateVersion7(now), now, Guid.CreateVersion7(now) })
        {
            command.Parameters.Add(new() { Value = value });
        }
        var json = await command.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"No {channel} account {platformUserId} is known: a message from it records it first.");
        using var result = JsonDocument.Parse(json);
        var root = result.RootElement;
        switch (root.GetProperty("outcome").GetString())
        {
            case "split":
                var split = new DisconnectResult(DisconnectStatus.Split, root.GetProperty("new_user_id").GetGuid(), root.GetProperty("threads").GetInt32(),
                    root.GetProperty("schedules").GetInt32(), root.GetProperty("trade_plans").GetInt32());
                LogSplit(logger, root.GetProperty("user_id").GetGuid(), channelToSplit, split.NewUserId!.Value);
                return split;
            case "not_connected":
                return new DisconnectResult(DisconnectStatus.NotConnected);
            case "last":
                return new DisconnectResult(DisconnectStatus.Last);
            default:
                throw new InvalidOperationException($"split_identities answered {json}: the account's user was joined into another meanwhile; try again.");
        }
    }

    private const string JoinedReason = "joined";

    private static async Task<(Guid IdentityId, Guid UserId)> IdentityAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string channel, string platformUserId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT id, user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2", [channel, platformUserId]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"No {channel} account {platformUserId} is known: a message from it records it first.");
        }
        return (reader.GetGuid(0), reader.GetGuid(1));
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        return command;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued a connect code for user {UserId} on {Channel}")]
    private static partial void LogIssued(ILogger logger, Guid userId, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Joined user {Absorbed} into user {Survivor}; moved {Moved}")]
    private static partial void LogJoined(ILogger logger, Guid absorbed, Guid survivor, string moved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connect code from a {Channel} account was refused ({Status}); {Failures} failures in the window")]
    private static partial void LogFailed(ILogger logger, string channel, RedeemStatus status, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Channel} account sent {Failures} wrong connect codes; refused until the window passes")]
    private static partial void LogLimited(ILogger logger, string channel, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Failures} wrong connect codes in the last minute from all accounts; refusing codes for now")]
    private static partial void LogBusy(ILogger logger, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Joining users was interrupted ({Reason}, attempt {Attempt}); trying again")]
    private static partial void LogRetried(ILogger logger, string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Split the {Channel} accounts of user {UserId} into user {NewUserId}")]
    private static partial void LogSplit(ILogger logger, Guid userId, string channel, Guid newUserId);
}
