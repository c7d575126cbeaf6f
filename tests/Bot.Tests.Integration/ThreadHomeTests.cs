using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// The web app as the home of every thread (issue 16), through <c>/api/threads</c> on a real host and PostgreSQL, as
/// signed-in people: paging, titles, rename and archive, search, export, fork, delete, continuing a Telegram thread on
/// the web; another person's ids are 404 and change nothing; bad input is a 400 problem and changes nothing.
/// </summary>
public sealed class ThreadHomeTests(PeopleFactory host) : IClassFixture<PeopleFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Threads_are_titled_by_their_first_command_paged_renamed_and_archived()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var portfolio = await ThreadWithAsync(alice, user, "/portfolio");
        var quote = await ThreadWithAsync(alice, user, "/quote MSFT");
        var help = await ThreadWithAsync(alice, user, "/help");

        var first = await PageAsync(alice, "/api/threads?limit=2");
        Assert.Equal([help, quote], Ids(first));
        Assert.Equal(["New thread", "Quote MSFT"], first.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
        Assert.All(first.GetProperty("threads").EnumerateArray(), t => Assert.Equal("web", t.GetProperty("channel").GetString()));
        var next = first.GetProperty("next").GetString();
        Assert.NotNull(next);
        var second = await PageAsync(alice, "/api/threads?limit=2&before=" + Uri.EscapeDataString(next));
        Assert.Equal([portfolio], Ids(second));
        Assert.Equal("Portfolio", second.GetProperty("threads")[0].GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        // A rename sticks: the thread's next command would have named it had it still been untitled.
        var renamed = await OkJsonAsync(await alice.SendJsonAsync(HttpMethod.Patch, $"/api/threads/{help}", """{"title":"  My questions  "}"""));
        Assert.Equal("My questions", renamed.GetProperty("title").GetString());
        var chat = await ContinueAsync(alice, help);
        await chat.SendAsync("/quote AAPL");
        await Eventually.GetAsync(() => host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1 AND role = 'assistant'", help), n => n == 2, "the second reply", Patience);
        Assert.Equal("My questions", await host.Database.ScalarAsync<string>("SELECT title FROM threads WHERE id = $1", help));

        // Archived: out of the list, in the archived list, and back.
        var archived = await OkJsonAsync(await alice.SendJsonAsync(HttpMethod.Patch, $"/api/threads/{quote}", """{"archived":true}"""));
        Assert.True(archived.GetProperty("archived").GetBoolean());
        Assert.DoesNotContain(quote, Ids(await PageAsync(alice, "/api/threads")));
        Assert.Equal([quote], Ids(await PageAsync(alice, "/api/threads?archived=true")));
        await OkJsonAsync(await alice.SendJsonAsync(HttpMethod.Patch, $"/api/threads/{quote}", """{"archived":false}"""));
        Assert.Contains(quote, Ids(await PageAsync(alice, "/api/threads")));
        Assert.Empty(Ids(await PageAsync(alice, "/api/threads?archived=true")));
    }

    [Fact]
    public async Task Search_ranks_the_persons_messages_and_marks_the_matched_words()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var (bob, bobUser) = await host.SignedInAsync("Bob");
        var zanzibar = await ThreadWithAsync(alice, user, "How much did the Zanzibar holidays cost? Zanzibar was \u0001lovely\u0002, zanzibar again");
        var once = await ThreadWithAsync(alice, user, "Is a holiday in Zanzibar expensive compared to a long weekend in Lisbon with friends and family?");
        await ThreadWithAsync(alice, user, "/portfolio");
        await ThreadWithAsync(bob, bobUser, "Zanzibar holiday savings");

        var page = await PageAsync(alice, "/api/threads?q=" + Uri.EscapeDataString("zanzibar holiday"));
        Assert.Equal([zanzibar, once], Ids(page));
        var best = page.GetProperty("threads")[0];
        var snippet = best.GetProperty("snippet").GetString()!;
        Assert.Contains("\u0001Zanzibar\u0002 \u0001holidays\u0002", snippet, StringComparison.Ordinal);
        // Every mark wraps a matched word; the control characters the person typed are not taken for marks.
        var marked = System.Text.RegularExpressions.Regex.Matches(snippet, "\u0001([^\u0001\u0002]+)\u0002");
        Assert.Equal(snippet.Count(c => c == '\u0001'), marked.Count);
        Assert.Equal(snippet.Count(c => c == '\u0002'), marked.Count);
        Assert.All(marked, m => Assert.Contains(m.Groups[1].Value.ToLowerInvariant(), new[] { "zanzibar", "holidays" }));
        Assert.Contains("lovely", snippet, StringComparison.Ordinal);
        Assert.Equal(user.ToString(), (await host.Database.ScalarAsync<Guid>(
            "SELECT t.user_id FROM thread_events e JOIN threads t ON t.id = e.thread_id WHERE e.id = $1 AND t.id = $2",
            best.GetProperty("matchEventId").GetGuid(), zanzibar)).ToString());

        // One hit a page: the cursor walks the ranking.
        var first = await PageAsync(alice, "/api/threads?limit=1&q=zanzibar");
        Assert.Equal([zanzibar], Ids(first));
        var second = await PageAsync(alice, "/api/threads?limit=1&q=zanzibar&before=" + Uri.EscapeDataString(first.GetProperty("next").GetString()!));
        Assert.Equal([once], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Empty(Ids(await PageAsync(alice, "/api/threads?q=nosuchwordanywhere")));
    }

    [Fact]
    public async Task Export_gives_the_thread_as_Markdown_and_as_JSON()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var thread = await ThreadWithAsync(alice, user, "/quote MSFT");

        using var md = await alice.GetAsync($"/api/threads/{thread}/export?format=md");
        Assert.Equal(HttpStatusCode.OK, md.StatusCode);
        Assert.Equal("text/markdown; charset=utf-8", md.Content.Headers.ContentType!.ToString());
        Assert.Equal("attachment", md.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("quote-msft.md", md.Content.Headers.ContentDisposition.FileNameStar ?? md.Content.Headers.ContentDisposition.FileName);
        var text = await md.Content.ReadAsStringAsync();
        Assert.StartsWith("# Quote MSFT\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("**You** · ", text, StringComparison.Ordinal);
        Assert.Contains("/quote MSFT", text, StringComparison.Ordinal);
        Assert.Contains("**Assistant** · ", text, StringComparison.Ordinal);

        using var json = await alice.GetAsync($"/api/threads/{thread}/export?format=json");
        Assert.Equal("application/json", json.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", json.Content.Headers.ContentDisposition!.DispositionType);
        var body = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(thread, body.GetProperty("thread").GetProperty("id").GetGuid());
        Assert.Equal(["user", "assistant"], body.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("role").GetString()));
        Assert.Equal("/quote MSFT", body.GetProperty("events")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_fork_keeps_the_history_up_to_the_chosen_event_and_continues_on_its_own()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var source = await ThreadWithAsync(alice, user, "/quote MSFT");
        var chat = await ContinueAsync(alice, source);
        await chat.SendAsync("/quote AAPL");
        var events = await Eventually.GetAsync(() => EventsAsync(alice, source), e => e.Count == 4, "the second exchange", Patience);
        var cut = events[1].GetProperty("id").GetGuid();

        using var response = await alice.SendJsonAsync(HttpMethod.Post, $"/api/threads/{source}/fork", $$"""{"eventId":"{{cut}}"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var fork = await response.Content.ReadFromJsonAsync<JsonElement>();
        var forkId = fork.GetProperty("id").GetGuid();
        Assert.Equal("Fork of Quote MSFT", fork.GetProperty("title").GetString());
        Assert.Equal("web", fork.GetProperty("channel").GetString());
        Assert.Equal(2, fork.GetProperty("eventCount").GetInt32());
        var copied = await EventsAsync(alice, forkId);
        Assert.Equal(events.Take(2).Select(e => (e.GetProperty("role").GetString(), e.GetProperty("text").GetString(), e.GetProperty("createdAt").GetDateTimeOffset())),
            copied.Select(e => (e.GetProperty("role").GetString(), e.GetProperty("text").GetString(), e.GetProperty("createdAt").GetDateTimeOffset())));
        Assert.DoesNotContain(copied, e => events.Any(o => o.GetProperty("id").GetGuid() == e.GetProperty("id").GetGuid()));

        // The fork goes on by itself; the source is unchanged.
        var forkChat = DirectLineTestClient.Resume(alice.Http, fork.GetProperty("directLineConversationId").GetString()!, await TokenForAsync(alice, forkId, fork.GetProperty("directLineConversationId").GetString()));
        await forkChat.SendAsync("/portfolio");
        await forkChat.WaitForBotRepliesAsync(1);
        await Eventually.GetAsync(() => EventsAsync(alice, forkId), e => e.Count == 4, "the fork's own exchange", Patience);
        Assert.Equal(4, (await EventsAsync(alice, source)).Count);
    }

    [Fact]
    public async Task Delete_removes_the_thread_and_its_rows_from_the_database()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var kept = await ThreadWithAsync(alice, user, "/portfolio");
        var doomed = await ThreadWithAsync(alice, user, "/quote MSFT");
        var address = await host.Database.ScalarAsync<string>("SELECT c.address FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE t.id = $1", doomed);
        var keptBefore = await SnapshotAsync(kept);
        Assert.True(await host.Database.CountAsync("SELECT count(*) FROM directline_activities WHERE conversation_address = $1", address!) >= 2);

        using (var deleted = await alice.SendJsonAsync(HttpMethod.Delete, $"/api/threads/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM threads WHERE id = $1", doomed));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1", doomed));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1", doomed));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1", doomed));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM conversations WHERE address = $1", address!));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM directline_activities WHERE conversation_address = $1", address!));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE content->>'text' = '/quote MSFT' AND thread_id IN (SELECT id FROM threads WHERE user_id = $1)", user));
        using (var gone = await alice.GetAsync($"/api/threads/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using (var again = await alice.SendJsonAsync(HttpMethod.Delete, $"/api/threads/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        Assert.Equal(keptBefore, await SnapshotAsync(kept));
    }

    [Fact]
    public async Task A_Telegram_thread_is_listed_with_its_channel_and_continued_from_the_web()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var telegramUser = "tg-" + Guid.NewGuid().ToString("N")[..8];
        await host.Database.ScalarAsync<int>(
            "INSERT INTO channel_identities (id, user_id, channel, platform_user_id, created_at) VALUES ($1, $2, 'telegram', $3, now())",
            Guid.CreateVersion7(), user, telegramUser);
        var recorded = await host.Services.GetRequiredService<InboxRecorder>().RecordAsync(new IncomingMessage
        {
            Address = new ConversationAddress("telegram", telegramUser),
            EventId = "telegram-test:" + Guid.NewGuid().ToString("N"),
            From = new Sender(telegramUser, "Alice"),
            Text = "/quote MSFT",
            Timestamp = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
        var thread = recorded.ThreadId;
        await Eventually.GetAsync(() => host.Database.CountAsync("SELECT count(*) FROM thread_events WHERE thread_id = $1", thread), n => n == 2, "the Telegram turn", Patience);

        var listed = (await PageAsync(alice, "/api/threads")).GetProperty("threads").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == thread);
        Assert.Equal("telegram", listed.GetProperty("channel").GetString());
        Assert.Equal("Quote MSFT", listed.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("directLineConversationId").ValueKind);

        var chat = await ContinueAsync(alice, thread);
        await chat.SendAsync("/quote AAPL");
        var replies = await chat.WaitForBotRepliesAsync(1);
        Assert.Contains("AAPL", replies[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var events = await Eventually.GetAsync(() => EventsAsync(alice, thread), e => e.Count == 4, "the web turn in the Telegram thread", Patience);
        Assert.Equal("/quote AAPL", events[2].GetProperty("text").GetString());
        var after = await OkJsonAsync(await alice.GetAsync($"/api/threads/{thread}"));
        Assert.Equal("telegram", after.GetProperty("channel").GetString());
        Assert.Equal(chat.ConversationId, after.GetProperty("directLineConversationId").GetString());
        // Outside that web conversation: the Telegram turn alone (Web Chat replays the web one from its transcript).
        var outside = (await OkJsonAsync(await alice.GetAsync($"/api/threads/{thread}/events?outside={chat.ConversationId}"))).EnumerateArray().ToList();
        Assert.Equal(["/quote MSFT"], outside.Where(e => e.GetProperty("role").GetString() == "user").Select(e => e.GetProperty("text").GetString()));
        Assert.Equal(2, outside.Count);
        var pagedOutside = (await OkJsonAsync(await alice.GetAsync($"/api/threads/{thread}/events?outside={chat.ConversationId}&after={events[0].GetProperty("id").GetGuid()}"))).EnumerateArray().ToList();
        Assert.Single(pagedOutside);
        // Opening it again gives the same web conversation; the Telegram chat still points at its thread.
        Assert.Equal(chat.ConversationId, (await ContinueAsync(alice, thread)).ConversationId);
        Assert.Equal(thread, await host.Database.ScalarAsync<Guid>("SELECT current_thread_id FROM conversations WHERE channel = 'telegram' AND address = $1", telegramUser));
    }

    [Fact]
    public async Task A_decided_plan_card_is_in_the_history_in_its_final_state()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var chat = await alice.StartConversationAsync();
        await chat.SendAsync("/buy 5 AAPL limit 190");
        var card = (await chat.WaitForBotRepliesAsync(1))[0];
        var thread = await host.Database.ScalarAsync<Guid>("SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.address = $1", chat.ConversationId);
        var open = await Eventually.GetAsync(() => EventsAsync(alice, thread), e => e.Count == 2, "the plan's turn", Patience);
        Assert.Equal("Waiting for your approval", open[1].GetProperty("card").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, open[0].GetProperty("card").ValueKind);

        var decline = FindAction(card.GetProperty("attachments")[0].GetProperty("content"), "Decline");
        var press = JsonSerializer.Serialize(new { type = "message", value = decline, channelData = new { clientActivityID = Guid.NewGuid().ToString("N") } });
        (await chat.PostRawAsync(press)).EnsureSuccessStatusCode();
        var history = await Eventually.GetAsync(() => EventsAsync(alice, thread),
            e => e[1].GetProperty("card").GetProperty("status").GetString() == "Declined", "the card's final state", Patience);
        var final = history[1].GetProperty("card");
        Assert.Contains("Buy 5 AAPL", final.GetProperty("title").GetString() + " " + final.GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(final.EnumerateObject(), p => p.Name == "buttons");
    }

    private static JsonElement FindAction(JsonElement element, string title)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == title && element.TryGetProperty("data", out var data))
            {
                return data;
            }
            foreach (var property in element.EnumerateObject())
            {
                if (FindAction(property.Value, title) is { ValueKind: not JsonValueKind.Undefined } found)
                {
                    return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (FindAction(item, title) is { ValueKind: not JsonValueKind.Undefined } found)
                {
                    return found;
                }
            }
        }
        return default;
    }

    [Fact]
    public async Task Another_persons_thread_is_not_found_and_nothing_of_it_changes()
    {
        var (alice, aliceUser) = await host.SignedInAsync("Alice");
        var (bob, bobUser) = await host.SignedInAsync("Bob");
        var aliceThread = await ThreadWithAsync(alice, aliceUser, "/quote MSFT");
        var aliceEvent = (await EventsAsync(alice, aliceThread))[0].GetProperty("id").GetGuid();
        var bobThread = await ThreadWithAsync(bob, bobUser, "/portfolio");
        var aliceBefore = await SnapshotAsync(aliceThread);
        var bobBefore = await SnapshotAsync(bobThread);

        var attempts = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, $"/api/threads/{aliceThread}", null),
            (HttpMethod.Get, $"/api/threads/{aliceThread}/events", null),
            (HttpMethod.Get, $"/api/threads/{aliceThread}/export?format=md", null),
            (HttpMethod.Get, $"/api/threads/{aliceThread}/export?format=json", null),
            (HttpMethod.Patch, $"/api/threads/{aliceThread}", """{"title":"Mine now","archived":true}"""),
            (HttpMethod.Delete, $"/api/threads/{aliceThread}", null),
            (HttpMethod.Post, $"/api/threads/{aliceThread}/fork", $$"""{"eventId":"{{aliceEvent}}"}"""),
            (HttpMethod.Post, $"/api/threads/{aliceThread}/directline", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var response = await bob.SendJsonAsync(method, path, body);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode} for Bob");
        }
        // Alice's event in Bob's fork of his own thread is refused; search and lists show Bob nothing of Alice's.
        using (var fork = await bob.SendJsonAsync(HttpMethod.Post, $"/api/threads/{bobThread}/fork", $$"""{"eventId":"{{aliceEvent}}"}"""))
        {
            await AssertProblemAsync(fork, "eventId");
        }
        Assert.DoesNotContain(aliceThread, Ids(await PageAsync(bob, "/api/threads?q=msft")));
        Assert.DoesNotContain(aliceThread, Ids(await PageAsync(bob, "/api/threads")));
        Assert.Equal(aliceBefore, await SnapshotAsync(aliceThread));
        Assert.Equal(bobBefore, await SnapshotAsync(bobThread));
        Assert.Equal(1, await host.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", bobUser));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM conversations WHERE current_thread_id = $1 AND address <> (SELECT c.address FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE t.id = $1)", aliceThread));
    }

    [Fact]
    public async Task Bad_input_is_a_problem_that_names_it_and_changes_nothing()
    {
        var (alice, user) = await host.SignedInAsync("Alice");
        var (bob, bobUser) = await host.SignedInAsync("Bob");
        var thread = await ThreadWithAsync(alice, user, "/quote MSFT");
        var other = await ThreadWithAsync(alice, user, "/portfolio");
        var otherEvent = (await EventsAsync(alice, other))[0].GetProperty("id").GetGuid();
        var before = await SnapshotAsync(thread);
        var threadsBefore = await host.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", user);

        var patches = new (string Body, string Names)[]
        {
            ("""{"title":"   "}""", "title"),
            ("{\"title\":\"" + new string('x', 121) + "\"}", "title"),
            ("""{"title":42}""", "title"),
            ("""{"title":"a\u0007b"}""", "title"),
            ("""{"archived":"yes"}""", "archived"),
            ("""{"owner":"bob"}""", "owner"),
            ("""{}""", "title"),
            ("""{"title": "unterminated""", "JSON object"),
            ("""["title"]""", "JSON object"),
            ("", "JSON object"),
        };
        foreach (var (body, names) in patches)
        {
            using var response = await alice.SendJsonAsync(HttpMethod.Patch, $"/api/threads/{thread}", body);
            await AssertProblemAsync(response, names);
        }
        foreach (var body in new[] { $$"""{"eventId":"{{otherEvent}}"}""", """{"eventId":"not-a-guid"}""", """{"event":1}""", "{", "null" })
        {
            using var response = await alice.SendJsonAsync(HttpMethod.Post, $"/api/threads/{thread}/fork", body);
            await AssertProblemAsync(response, "eventId");
        }
        foreach (var format in new[] { "pdf", "", "MD" })
        {
            using var response = await alice.GetAsync($"/api/threads/{thread}/export?format={format}");
            await AssertProblemAsync(response, "format");
        }
        using (var missing = await alice.GetAsync($"/api/threads/{thread}/export"))
        {
            await AssertProblemAsync(missing, "format");
        }
        foreach (var cursor in new[] { "not-a-cursor", "dDox", Uri.EscapeDataString("t:1:2") })
        {
            using var response = await alice.GetAsync("/api/threads?before=" + cursor);
            await AssertProblemAsync(response, "before");
        }
        // A state change without the anti-forgery header is refused too.
        using (var forged = await alice.SendJsonAsync(HttpMethod.Patch, $"/api/threads/{thread}", """{"title":"Forged"}""", antiforgery: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }
        using (var forged = await alice.SendJsonAsync(HttpMethod.Delete, $"/api/threads/{thread}", antiforgery: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }
        Assert.Equal(before, await SnapshotAsync(thread));
        Assert.Equal(threadsBefore, await host.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", user));
        Assert.Equal(0, await host.Database.CountAsync("SELECT count(*) FROM threads WHERE user_id = $1", bobUser));
    }

    /// <summary>A new web thread of the person's with one exchange in it; its id.</summary>
    private async Task<Guid> ThreadWithAsync(PersonBrowser browser, Guid user, string text)
    {
        var chat = await browser.StartConversationAsync();
        await chat.SendAsync(text);
        await chat.WaitForBotRepliesAsync(1);
        var thread = await host.Database.ScalarAsync<Guid>(
            "SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.address = $1 AND t.user_id = $2", chat.ConversationId, user);
        // The reply reaches the client before the turn's title is committed; wait until it is, so lists are stable.
        await Eventually.GetAsync(() => host.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1 AND status = 'Pending'", thread), n => n == 0, "the turn to commit", Patience);
        await Task.Delay(5); // distinct activity times, so "newest first" is a defined order
        return thread;
    }

    private static async Task<DirectLineTestClient> ContinueAsync(PersonBrowser browser, Guid thread)
    {
        var session = await OkJsonAsync(await browser.PostAsync($"/api/threads/{thread}/directline"));
        return DirectLineTestClient.Resume(browser.Http, session.GetProperty("conversationId").GetString()!, session.GetProperty("token").GetString()!);
    }

    private static async Task<string> TokenForAsync(PersonBrowser browser, Guid thread, string? expectedConversation)
    {
        var session = await OkJsonAsync(await browser.PostAsync($"/api/threads/{thread}/directline"));
        Assert.Equal(expectedConversation, session.GetProperty("conversationId").GetString());
        return session.GetProperty("token").GetString()!;
    }

    private static async Task<List<JsonElement>> EventsAsync(PersonBrowser browser, Guid thread) =>
        (await OkJsonAsync(await browser.GetAsync($"/api/threads/{thread}/events"))).EnumerateArray().ToList();

    private static async Task<JsonElement> PageAsync(PersonBrowser browser, string path) => await OkJsonAsync(await browser.GetAsync(path));

    private static List<Guid> Ids(JsonElement page) => page.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList();

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            return JsonSerializer.Deserialize<JsonElement>(text);
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string names)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(names, JsonSerializer.Deserialize<JsonElement>(text).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Everything of a thread a call could change, as one comparable string.</summary>
    private async Task<string> SnapshotAsync(Guid thread) => string.Join(" | ",
        await host.Database.ScalarAsync<string>("SELECT concat_ws(',', title, archived_at, updated_at, user_id, conversation_id) FROM threads WHERE id = $1", thread),
        await host.Database.ScalarAsync<string>("SELECT string_agg(id::text || role || content::text, ',' ORDER BY created_at, id) FROM thread_events WHERE thread_id = $1", thread),
        await host.Database.CountAsync("SELECT count(*) FROM inbox WHERE thread_id = $1", thread),
        await host.Database.CountAsync("SELECT count(*) FROM outbox WHERE thread_id = $1", thread),
        await host.Database.CountAsync("SELECT count(*) FROM conversations WHERE current_thread_id = $1", thread),
        await host.Database.CountAsync(
            "SELECT count(*) FROM directline_activities d JOIN conversations c ON c.address = d.conversation_address JOIN threads t ON t.conversation_id = c.id WHERE t.id = $1", thread));
}
