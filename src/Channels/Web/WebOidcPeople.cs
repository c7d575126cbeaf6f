using Npgsql;

namespace Bot.Channels.Web;

/// <summary>
/// The person an OpenID Connect account is: a channel identity <c>oidc</c> whose platform id is the token's issuer and
/// subject. The first sign-in makes a new person with that one identity; <c>/connect</c> from the web chat then joins it
/// to the person's chat accounts, as for any other channel.
/// </summary>
public sealed class WebOidcPeople(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string ChannelName = "oidc";

    /// <summary>The platform id of an account: issuer and subject, so two providers' subjects never meet.</summary>
    public static string PlatformUserId(string issuer, string subject) => issuer.TrimEnd('/') + "#" + subject;

    /// <summary>The person signed in as <paramref name="platformUserId"/>, made on the first sign-in.</summary>
    public async Task<Guid> PersonForAsync(string platformUserId, string displayName, CancellationToken cancellationToken)
    {
        // Two first sign-ins at once: one insert of the identity wins; the other rolls its new user back and reads the winner.
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using (var find = new NpgsqlCommand("SELECT user_id FROM channel_identities WHERE channel = $1 AND platform_user_id = $2", connection))
            {
                find.Parameters.Add(new() { Value = ChannelName });
                find.Parameters.Add(new() { Value = platformUserId });
                if (await find.ExecuteScalarAsync(cancellationToken) is Guid existing)
                {
                    return existing;
                }
            }
            if (attempt > 0)
            {
                throw new InvalidOperationException("The OpenID Connect account's identity was neither found nor made.");
            }
            var now = clock.GetUtcNow();
            var userId = Guid.CreateVersion7(now);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("INSERT INTO users (id, display_name, created_at) VALUES ($1, $2, $3)")
                    {
                        Parameters = { new() { Value = userId }, new() { Value = displayName }, new() { Value = now } },
                    },
                    new NpgsqlBatchCommand(
                        """
                        INSERT INTO channel_identities (id, user_id, channel, platform_user_id, display_name, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (channel, platform_user_id) DO NOTHING
                        """)
                    {
                        Parameters =
                        {
                            new() { Value = Guid.CreateVersion7(now) }, new() { Value = userId }, new() { Value = ChannelName },
                            new() { Value = platformUserId }, new() { Value = displayName }, new() { Value = now },
                        },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            if (batch.BatchCommands[1].RecordsAffected == 1)
            {
                await transaction.CommitAsync(cancellationToken);
                return userId;
            }
            await transaction.RollbackAsync(cancellationToken);
        }
    }
}
