using Bot.Agent.Identities;

namespace Bot.Tests.Integration.Identities;

/// <summary><c>/connect</c> and <c>/connect CODE</c> through the pipeline on real PostgreSQL, between two channels.</summary>
public class ConnectCommandTests(IngestOnlyFactory app) : IClassFixture<IngestOnlyFactory>
{
    [Fact]
    public async Task A_code_from_one_channel_joins_the_account_of_another_into_the_redeemers_user()
    {
        var web = new AccountDriver(app, "alpha");
        var chat = new AccountDriver(app, "beta");
        await chat.SendAsync("hello");

        var reply = await web.SendAsync("/connect");
        Assert.Contains("send this message to me from that account within 10 minutes", reply, StringComparison.Ordinal);
        Assert.Contains("Connected now: `alpha` (this one).", reply, StringComparison.Ordinal);
        var code = await web.IssueCodeAsync();
        var issuer = await web.UserIdAsync();
        var redeemer = await chat.UserIdAsync();

        // Only the hash is stored; the second /connect replaced the first code.
        Assert.True(ConnectCode.TryNormalize(code, out var canonical));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM connect_codes WHERE code_hash = $1 AND spent_at IS NULL", ConnectCode.Hash(canonical)));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM connect_codes c WHERE row_to_json(c)::text ILIKE '%' || $1 || '%'", canonical));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM connect_codes WHERE user_id = $1 AND spent_reason = 'replaced'", issuer));

        var joined = await chat.SendAsync("/connect " + code.ToLowerInvariant());
        Assert.StartsWith("Connected: your accounts are one person now.", joined, StringComparison.Ordinal);
        Assert.Contains("Connected now: `beta` (this one), `alpha`.", joined, StringComparison.Ordinal);
        Assert.Equal(redeemer, await web.UserIdAsync());
        Assert.Equal(redeemer, await chat.UserIdAsync());
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM users WHERE id = $1", issuer));
        Assert.Equal(1, await app.Database.CountAsync(
            "SELECT count(*) FROM audit_log WHERE action = 'identity.joined' AND subject_id = $1::text AND data->>'absorbed_user_id' = $2::text", redeemer, issuer));
        Assert.Equal("joined", await app.Database.ScalarAsync<string>("SELECT spent_reason FROM connect_codes WHERE code_hash = $1", ConnectCode.Hash(canonical)));

        // Listing from the other side names both.
        Assert.Contains("Connected now: `beta`, `alpha` (this one).", await web.SendAsync("/connect"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_code_joins_nothing()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await b.SendAsync("hi");
        var code = await a.IssueCodeAsync();
        ConnectCode.TryNormalize(code, out var canonical);
        await app.Database.ScalarAsync<int>("UPDATE connect_codes SET expires_at = now() - interval '1 second' WHERE code_hash = $1", ConnectCode.Hash(canonical));

        var reply = await b.SendAsync("/connect " + code);
        Assert.StartsWith("That code has expired (codes last 10 minutes).", reply, StringComparison.Ordinal);
        Assert.NotEqual(await a.UserIdAsync(), await b.UserIdAsync());
    }

    [Fact]
    public async Task A_used_code_is_useless_to_anyone_else()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        var c = new AccountDriver(app, "gamma");
        await c.SendAsync("hi");
        var code = await a.IssueCodeAsync();
        Assert.StartsWith("Connected:", await b.SendAsync("/connect " + code), StringComparison.Ordinal);

        Assert.StartsWith("That code was already used", await c.SendAsync("/connect " + code), StringComparison.Ordinal);
        Assert.NotEqual(await a.UserIdAsync(), await c.UserIdAsync());
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM channel_identities WHERE user_id = $1", await a.UserIdAsync()));
    }

    [Fact]
    public async Task Its_own_code_and_an_account_already_joined_are_answered_clearly()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        var code = await a.IssueCodeAsync();
        Assert.Equal("That code came from this very account. Send it from the other account you want to connect.", await a.SendAsync("/connect " + code));
        Assert.StartsWith("Connected:", await b.SendAsync("/connect " + code), StringComparison.Ordinal);

        var again = await a.IssueCodeAsync();
        var reply = await b.SendAsync("/connect " + again);
        Assert.StartsWith("This account is already connected to the one that asked for that code.", reply, StringComparison.Ordinal);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'identity.joined' AND subject_id = $1::text", await b.UserIdAsync()));
    }

    [Fact]
    public async Task Guessing_is_limited_per_account_even_for_a_right_code_after_the_limit()
    {
        var issuer = new AccountDriver(app, "alpha");
        var guesser = new AccountDriver(app, "beta");
        var honest = new AccountDriver(app, "gamma");
        var code = await issuer.IssueCodeAsync();

        var answers = new List<string>();
        for (var i = 0; i < ConnectRateLimit.AccountFailures; i++)
        {
            answers.Add(await guesser.SendAsync($"/connect ZZZZZ-ZZZZ{i}"));
        }
        Assert.StartsWith("That is not a valid code. 4 more tries are left for now.", answers[0], StringComparison.Ordinal);
        Assert.EndsWith("One more try is left for now.", answers[3], StringComparison.Ordinal);
        Assert.Contains("That was the last try for now: this account can try again in about 15 minutes.", answers[4], StringComparison.Ordinal);

        // The right code is refused now: the limit is checked before any code is looked at.
        Assert.Equal("Too many wrong codes from this account. Try again in about 15 minutes.", await guesser.SendAsync("/connect " + code));
        Assert.NotEqual(await issuer.UserIdAsync(), await guesser.UserIdAsync());
        Assert.Equal(ConnectRateLimit.AccountFailures, await app.Database.CountAsync(
            "SELECT count(*) FROM connect_failures WHERE channel = 'beta' AND platform_user_id = $1", guesser.User));

        // Another account is not held back by this one's failures.
        Assert.StartsWith("Connected:", await honest.SendAsync("/connect " + code), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_accounts_guessing_at_once_stop_everyone_for_a_minute()
    {
        var issuer = new AccountDriver(app, "alpha");
        var late = new AccountDriver(app, "beta");
        var code = await issuer.IssueCodeAsync();
        await app.Database.ScalarAsync<int>(
            "INSERT INTO connect_failures (id, channel, platform_user_id, at) SELECT gen_random_uuid(), 'bot', 'guesser-' || n, now() FROM generate_series(1, $1) n",
            ConnectRateLimit.GlobalFailures);
        try
        {
            Assert.Equal("Too many wrong codes are being tried right now. Try again in a minute.", await late.SendAsync("/connect " + code));
            Assert.NotEqual(await issuer.UserIdAsync(), await late.UserIdAsync());
        }
        finally
        {
            await app.Database.ScalarAsync<int>("DELETE FROM connect_failures WHERE channel = 'bot'");
        }
        Assert.StartsWith("Connected:", await late.SendAsync("/connect " + code), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_chat_never_sees_a_code_and_a_code_pasted_there_is_void()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        var group = "group-" + Guid.NewGuid().ToString("N");
        var refused = await a.SendAsync("/connect", group, isGroup: true);
        Assert.Equal("`/connect` works only in a private chat with me, so that nobody else sees your code. Send it to me directly.", refused);
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM connect_codes WHERE user_id = $1", await a.UserIdAsync()));

        var code = await a.IssueCodeAsync();
        Assert.StartsWith("`/connect` works only in a private chat with me. Others in this chat have seen that code, so it is void now",
            await b.SendAsync("/connect " + code, "group-b-" + Guid.NewGuid().ToString("N"), isGroup: true), StringComparison.Ordinal);
        Assert.StartsWith("That code was already used", await b.SendAsync("/connect " + code), StringComparison.Ordinal);
        Assert.NotEqual(await a.UserIdAsync(), await b.UserIdAsync());
    }
}
