using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Agent.Memory;
using Bot.Tests.Support;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// Two people signed in to the same host: everything one of them reaches with the other's ids is refused and nothing of
/// the other's changes. <c>/api</c> answers another person's thread with 404 (as for a thread that does not exist, so
/// ids cannot be probed); Direct Line answers another person's conversation with 403 in its own error shape (as for any
/// token that is not for that conversation). Plans, schedules and memory are reached through the chat (the command
/// agent runs as the sender), so the other person's ids are sent as commands from one's own conversation.
/// </summary>
public sealed class WebIsolationTests(PeopleFactory host) : IClassFixture<PeopleFactory>
{
    [Fact]
    public async Task A_signed_in_person_reaches_nothing_of_another_with_their_ids()
    {
        // Alice: a web thread with a trade plan in it, a schedule, and something remembered.
        var (alice, aliceUser) = await host.SignedInAsync("Alice");
        var aliceChat = await alice.StartConversationAsync();
        await aliceChat.SendAsync("/buy 5 AAPL limit 190");
        await aliceChat.SendAsync("/schedule every 1h Ping: /help");
        await aliceChat.WaitForBotRepliesAsync(2);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MemoryStore>().AddAsync(aliceUser, "fact", "Alice banks with Northwind", null, CancellationToken.None);
        }
        var aliceThread = await host.Database.ScalarAsync<Guid>("SELECT id FROM threads WHERE user_id = $1", aliceUser);
        var plan = await host.Database.ScalarAsync<string>("SELECT short_id || ' ' || snapshot_hash FROM trade_plans WHERE owner_user_id = $1", aliceUser);
        var schedule = await host.Database.ScalarAsync<Guid>("SELECT id FROM schedules WHERE user_id = $1", aliceUser);
        Assert.NotNull(plan);
        var before = await SnapshotAsync(aliceUser);

        // Bob, signed in on his own browser, with a conversation of his own.
        var (bob, bobUser) = await host.SignedInAsync("Bob");
        var bobChat = await bob.StartConversationAsync();

        // /api: Alice's thread is not there for Bob.
        var bobThreads = await (await bob.GetAsync("/api/threads")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(bobThreads.GetProperty("threads").EnumerateArray(), t => t.GetProperty("id").GetGuid() == aliceThread);
        foreach (var path in new[] { $"/api/threads/{aliceThread}", $"/api/threads/{aliceThread}/events" })
        {
            using var read = await bob.GetAsync(path);
            Assert.True(read.StatusCode == HttpStatusCode.NotFound, $"GET {path} answered {(int)read.StatusCode} for Bob");
        }
        using (var open = await bob.PostAsync($"/api/threads/{aliceThread}/directline"))
        {
            Assert.Equal(HttpStatusCode.NotFound, open.StatusCode);
        }
        var session = await bob.SessionAsync();
        Assert.Equal(bobUser, session.GetProperty("userId").GetGuid());

        // Direct Line: Bob's token names his conversation, not Alice's; his session cookie opens nothing there either.
        var intruder = DirectLineTestClient.Resume(bob.Http, aliceChat.ConversationId, bobChat.Token);
        foreach (var path in new[] { $"/v3/directline/conversations/{aliceChat.ConversationId}", $"/v3/directline/conversations/{aliceChat.ConversationId}/activities" })
        {
            using var withToken = new HttpRequestMessage(HttpMethod.Get, path);
            withToken.Headers.Authorization = new("Bearer", bobChat.Token);
            using var refused = await bob.SendAsync(withToken);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"GET {path} with Bob's token answered {(int)refused.StatusCode}");
            using var cookieOnly = await bob.GetAsync(path);
            Assert.True(cookieOnly.StatusCode == HttpStatusCode.Forbidden, $"GET {path} with Bob's cookie answered {(int)cookieOnly.StatusCode}");
        }
        using (var posted = await intruder.PostRawAsync("""{"type":"message","text":"Bob was here"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        }
        var stream = new Uri($"ws://localhost/v3/directline/conversations/{aliceChat.ConversationId}/stream?t={Uri.EscapeDataString(bobChat.Token)}");
        var handshake = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Server.CreateWebSocketClient().ConnectAsync(stream, CancellationToken.None));
        Assert.Contains("403", handshake.Message, StringComparison.Ordinal);

        // Plans, schedules, memory: Alice's ids sent as commands from Bob's own conversation.
        await bobChat.SendAsync("/plan approve " + plan);
        await bobChat.SendAsync($"/schedule delete {schedule}");
        await bobChat.SendAsync("/memory");
        await bobChat.SendAsync("/memory clear confirm");
        var replies = (await bobChat.WaitForBotRepliesAsync(4)).Select(r => r.GetProperty("text").GetString() ?? "").ToList();
        Assert.DoesNotContain(replies, r => r.Contains("Northwind", StringComparison.Ordinal));
        Assert.Contains(replies, r => r.Contains("I don't remember anything about you yet.", StringComparison.Ordinal));
        Assert.Contains(replies, r => r.Contains("nothing to forget", StringComparison.OrdinalIgnoreCase));

        // Sign out everywhere, as Bob, ends only Bob's sessions.
        using (var everywhere = await bob.PostAsync("/api/session/signout-everywhere"))
        {
            Assert.Equal(HttpStatusCode.OK, everywhere.StatusCode);
        }

        // Nothing of Alice's changed, and she is still signed in.
        Assert.Equal(before, await SnapshotAsync(aliceUser));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM paper_orders"));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE content->>'text' = 'Bob was here'"));
        using var aliceStill = await alice.GetAsync($"/api/threads/{aliceThread}/events");
        Assert.Equal(HttpStatusCode.OK, aliceStill.StatusCode);
    }

    /// <summary>Everything of a person that the attempts above could have touched, as one comparable string.</summary>
    private async Task<string> SnapshotAsync(Guid user) => string.Join(" | ",
        await host.Database.ScalarAsync<string>("SELECT string_agg(status, ',') FROM trade_plans WHERE owner_user_id = $1", user),
        await host.Database.ScalarAsync<string>("SELECT string_agg(id::text || ':' || enabled::text, ',') FROM schedules WHERE user_id = $1", user),
        await host.Database.CountAsync("SELECT count(*) FROM user_memories WHERE user_id = $1", user),
        await host.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", user),
        await host.Database.CountAsync("SELECT count(*) FROM thread_events e JOIN threads t ON t.id = e.thread_id WHERE t.user_id = $1", user),
        await host.Database.CountAsync("SELECT count(*) FROM web_sessions WHERE user_id = $1", user));
}
