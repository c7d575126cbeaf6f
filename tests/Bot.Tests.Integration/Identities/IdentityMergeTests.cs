using Bot.Agent.Identities;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Identities;

/// <summary>
/// A join keeps everything of both users (merge_users, migration 0013) and the person is one set seen from every
/// connected channel; a split takes its channel's threads along; a turn pending or running for the absorbed user during
/// the join is answered once, as the joined person.
/// </summary>
public class IdentityMergeTests(HoldingFactory app) : IClassFixture<HoldingFactory>
{
    private readonly PipelineDriver driver = new(app);

    [Fact]
    public async Task A_join_keeps_memories_threads_schedules_plans_paper_account_and_time_zone_of_both()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await a.SendAsync("/timezone Europe/Berlin");
        await a.SendAsync("/schedule daily 18:30 Evening check: /balances");
        await b.SendAsync("/schedule every 30m Morning briefing: /portfolio");
        await a.SendAsync("/buy 1 AAPL limit 190");
        await b.SendAsync("/buy 2 MSFT limit 410");
        var (aUser, bUser) = (await a.UserIdAsync(), await b.UserIdAsync());
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE user_id = $1", aUser));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE user_id = $1", bUser));
        Assert.Null(await app.Database.ScalarAsync<string>("SELECT time_zone FROM users WHERE id = $1", bUser));
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO user_memories (id, user_id, kind, content, created_at) VALUES
                (gen_random_uuid(), $1, 'preference', 'Prefers ETFs', now()), (gen_random_uuid(), $1, 'fact', 'Saves for a house', now()),
                (gen_random_uuid(), $2, 'preference', 'prefers etfs', now()), (gen_random_uuid(), $2, 'fact', 'Base currency is EUR', now())
            """, aUser, bUser);
        await app.Database.ScalarAsync<int>("INSERT INTO paper_accounts (user_id, cash, created_at) VALUES ($1, 1000, now()), ($2, 500, now())", aUser, bUser);
        await app.Database.ScalarAsync<int>(
            """
            INSERT INTO paper_positions (user_id, symbol, quantity, average_cost, updated_at) VALUES
                ($1, 'AAPL', 10, 100, now()), ($2, 'AAPL', 30, 200, now()), ($2, 'MSFT', 1, 400, now())
            """, aUser, bUser);
        var threads = await app.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id IN ($1, $2)", aUser, bUser);
        Assert.Equal(2, threads);

        var code = await a.IssueCodeAsync();
        Assert.StartsWith("Connected:", await b.SendAsync("/connect " + code), StringComparison.Ordinal);

        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM users WHERE id = $1", aUser));
        Assert.Equal(threads, await app.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", bUser));
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM schedules WHERE user_id = $1", bUser));
        Assert.Equal(2, await app.Database.CountAsync("SELECT count(*) FROM trade_plans WHERE owner_user_id = $1", bUser));
        Assert.Equal("Base currency is EUR|Saves for a house|prefers etfs",
            await app.Database.ScalarAsync<string>("SELECT string_agg(content, '|' ORDER BY content COLLATE \"C\") FROM user_memories WHERE user_id = $1", bUser));
        Assert.Equal(1500m, await app.Database.ScalarAsync<decimal>("SELECT cash FROM paper_accounts WHERE user_id = $1", bUser));
        Assert.Equal(40m, await app.Database.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'AAPL'", bUser));
        Assert.Equal(175m, await app.Database.ScalarAsync<decimal>("SELECT average_cost FROM paper_positions WHERE user_id = $1 AND symbol = 'AAPL'", bUser));
        Assert.Equal(1m, await app.Database.ScalarAsync<decimal>("SELECT quantity FROM paper_positions WHERE user_id = $1 AND symbol = 'MSFT'", bUser));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM paper_accounts WHERE user_id = $1", aUser));

        // One set, seen from the absorbed account's channel too.
        var listed = await a.SendAsync("/threads");
        Assert.Contains("· alpha ·", listed, StringComparison.Ordinal);
        Assert.Contains("· beta ·", listed, StringComparison.Ordinal);
        var memory = await a.SendAsync("/memory");
        Assert.Contains("Base currency is EUR", memory, StringComparison.Ordinal);
        Assert.Contains("Saves for a house", memory, StringComparison.Ordinal);
        var schedules = await a.SendAsync("/schedules");
        Assert.Contains("Evening check", schedules, StringComparison.Ordinal);
        Assert.Contains("Morning briefing", schedules, StringComparison.Ordinal);
        Assert.Contains("`Europe/Berlin`", await b.SendAsync("/timezone"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_survivors_time_zone_wins_when_both_have_one()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await a.SendAsync("/timezone Europe/Berlin");
        await b.SendAsync("/timezone Asia/Tokyo");
        var aUser = await a.UserIdAsync();
        var code = await a.IssueCodeAsync();
        await b.SendAsync("/connect " + code);
        Assert.Contains("`Asia/Tokyo`", await a.SendAsync("/timezone"), StringComparison.Ordinal);
        // The other is not lost: the audit entry keeps it.
        Assert.Equal("Europe/Berlin", await app.Database.ScalarAsync<string>(
            "SELECT data->'time_zone'->>'absorbed' FROM audit_log WHERE action = 'identity.joined' AND data->>'absorbed_user_id' = $1::text", aUser));
    }

    [Fact]
    public async Task Disconnect_splits_a_channel_off_with_its_threads_and_refuses_the_last_one()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        var aThread = (await a.RecordAsync("a thread on alpha")).ThreadId;
        await driver.RunAsync(aThread);
        var code = await a.IssueCodeAsync();
        await b.SendAsync("/connect " + code);
        var person = await b.UserIdAsync();
        await app.Database.ScalarAsync<int>("INSERT INTO user_memories (id, user_id, kind, content, created_at) VALUES (gen_random_uuid(), $1, 'fact', 'Owns a bakery', now())", person);

        Assert.StartsWith("Say which channel to disconnect, for example `/disconnect beta`.", await b.SendAsync("/disconnect"), StringComparison.Ordinal);
        Assert.StartsWith("No `gamma` account is connected to you.", await b.SendAsync("/disconnect gamma"), StringComparison.Ordinal);
        var split = await b.SendAsync("/disconnect alpha");
        Assert.StartsWith("Disconnected `alpha`: that account is a person of its own again. It took along its 1 thread(s) there", split, StringComparison.Ordinal);
        Assert.EndsWith("Connected now: `beta` (this one).", split, StringComparison.Ordinal);

        var alone = await a.UserIdAsync();
        Assert.NotEqual(person, alone);
        Assert.Equal(alone, await app.Database.ScalarAsync<Guid>("SELECT user_id FROM threads WHERE id = $1", aThread));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE t.user_id = $1 AND c.channel = 'alpha'", person));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'identity.split' AND data->>'new_user_id' = $1::text", alone));

        // The split-off account starts without the person's memory; the person keeps it.
        Assert.Equal("I don't remember anything about you yet.", await a.SendAsync("/memory"));
        Assert.Contains("Owns a bakery", await b.SendAsync("/memory"), StringComparison.Ordinal);
        Assert.DoesNotContain("· beta ·", await a.SendAsync("/threads"), StringComparison.Ordinal);

        Assert.Equal("`beta` is the only channel you have, so there is nothing to disconnect it from.", await b.SendAsync("/disconnect beta"));
        Assert.Equal(person, await b.UserIdAsync());
    }

    [Fact]
    public async Task A_message_pending_for_the_absorbed_user_is_answered_once_as_the_person()
    {
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await b.SendAsync("a thread on beta");
        var code = await a.IssueCodeAsync();
        var pending = await a.RecordAsync("/threads");

        await b.SendAsync("/connect " + code);
        Assert.Equal(await b.UserIdAsync(), await app.Database.ScalarAsync<Guid>("SELECT user_id FROM inbox WHERE id = $1", pending.InboxId));
        // The driver parked the pending thread while it looked for b's (PipelineDriver.ClaimAsync): free it again.
        await app.Database.ScalarAsync<int>("UPDATE threads SET lease_until = NULL WHERE id = $1 AND lease_owner IS NULL", pending.ThreadId);

        await driver.RunAsync(pending.ThreadId);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE payload->>'inReplyTo' = $1::text", pending.InboxId));
        Assert.Contains("· beta ·", await a.ReplyToAsync(pending.InboxId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_turn_running_for_the_absorbed_user_during_the_join_runs_again_as_the_person_and_is_answered_once()
    {
        var gate = app.Services.GetRequiredService<HoldCommand.Gate>();
        gate.Reset();
        var a = new AccountDriver(app, "alpha");
        var b = new AccountDriver(app, "beta");
        await b.SendAsync("hi");
        var code = await a.IssueCodeAsync();
        var absorbed = await a.UserIdAsync();
        var held = await a.RecordAsync("/hold Likes index funds");
        var running = Task.Run(() => driver.RunAsync(held.ThreadId, "held-worker"));
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("Connected:", await b.SendAsync("/connect " + code), StringComparison.Ordinal);
        var person = await b.UserIdAsync();
        gate.Released.SetResult();
        await running;

        // The turn wrote for a user that is gone (its memory insert failed on the foreign key): nothing of it committed.
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE payload->>'inReplyTo' = $1::text", held.InboxId));
        Assert.Equal("Pending", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", held.InboxId));
        Assert.Equal(person, await app.Database.ScalarAsync<Guid>("SELECT user_id FROM inbox WHERE id = $1", held.InboxId));
        Assert.Equal(0, await app.Database.CountAsync("SELECT count(*) FROM user_memories WHERE user_id = $1", absorbed));

        await driver.RunAsync(held.ThreadId);
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM outbox WHERE payload->>'inReplyTo' = $1::text", held.InboxId));
        Assert.Equal("Held, then noted: Likes index funds", await a.ReplyToAsync(held.InboxId));
        Assert.Equal(1, await app.Database.CountAsync("SELECT count(*) FROM user_memories WHERE user_id = $1 AND content = 'Likes index funds'", person));
        Assert.Equal("Done", await app.Database.ScalarAsync<string>("SELECT status FROM inbox WHERE id = $1", held.InboxId));
    }

    [Fact]
    public async Task Simultaneous_joins_and_messages_neither_deadlock_nor_lose_anything()
    {
        for (var round = 0; round < 3; round++)
        {
            var d = new AccountDriver(app, "alpha");
            var e = new AccountDriver(app, "beta");
            var f = new AccountDriver(app, "gamma");
            await f.SendAsync("hi");
            var codeD = await d.IssueCodeAsync();
            var codeE = await e.IssueCodeAsync();

            // Crossing codes redeemed at once, a third account racing for one of them, and the absorbed side writing all along.
            var messages = Enumerable.Range(0, 10).Select(i => Task.Run(() => d.RecordAsync($"message {i}"))).ToList();
            var results = await Task.WhenAll(
                RedeemAsync(e, codeD), RedeemAsync(d, codeE), RedeemAsync(f, codeD));
            await Task.WhenAll(messages);

            // Whichever went first, d and e end as one person; f joins them too when its redeem came before the others.
            var person = await d.UserIdAsync();
            Assert.Equal(person, await e.UserIdAsync());
            var fJoined = await f.UserIdAsync() == person;
            Assert.Equal(fJoined ? 2 : 1, results.Count(r => r.Status == RedeemStatus.Joined));
            Assert.Equal(fJoined ? 3 : 2, await app.Database.CountAsync("SELECT count(*) FROM channel_identities WHERE user_id = $1", person));
            Assert.Equal(10, await app.Database.CountAsync(
                "SELECT count(*) FROM inbox WHERE channel = 'alpha' AND payload->'from'->>'platformUserId' = $1 AND payload->>'text' LIKE 'message %' AND user_id = $2", d.User, person));
        }
    }

    private async Task<RedeemResult> RedeemAsync(AccountDriver account, string code)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IdentityLinks>().RedeemAsync(account.Channel, account.User, code, Guid.NewGuid(), default);
    }
}
