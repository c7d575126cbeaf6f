using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Bot.Tests.Support;

namespace Bot.Tests.Integration;

public class ThreadsApiTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    [Fact]
    public async Task Threads_are_listed_newest_first_with_titles_and_full_history()
    {
        var http = app.CreateClient();
        var first = await DirectLineTestClient.StartAsync(http);
        await first.SendAsync("Where did my money go in October?");
        await first.WaitForBotRepliesAsync(1);
        var second = await DirectLineTestClient.StartAsync(http);
        await second.SendAsync("/help");
        await second.WaitForBotRepliesAsync(1);

        var threads = await http.GetFromJsonAsync<JsonElement>("/api/threads");
        var list = threads.GetProperty("threads").EnumerateArray().ToList();
        Assert.True(list.Count >= 2);
        Assert.Equal(second.ConversationId, list[0].GetProperty("directLineConversationId").GetString());
        Assert.Equal("New thread", list[0].GetProperty("title").GetString());
        var older = list.Single(t => t.GetProperty("directLineConversationId").GetString() == first.ConversationId);
        Assert.Equal("Where did my money go in October?", older.GetProperty("title").GetString());

        var events = await http.GetFromJsonAsync<JsonElement>($"/api/threads/{older.GetProperty("id").GetString()}/events");
        var roles = events.EnumerateArray().Select(e => e.GetProperty("role").GetString()).ToList();
        Assert.Equal(["user", "assistant"], roles);
        Assert.Equal("Where did my money go in October?", events[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_web_thread_can_be_reopened_with_a_fresh_token()
    {
        var http = app.CreateClient();
        var client = await DirectLineTestClient.StartAsync(http);
        await client.SendAsync("/help");
        await client.WaitForBotRepliesAsync(1);
        var threadId = await app.Database.ScalarAsync<Guid>(
            "SELECT t.id FROM threads t JOIN conversations c ON c.id = t.conversation_id WHERE c.address = $1", client.ConversationId);

        var response = await http.PostAsync(new Uri($"/api/threads/{threadId}/directline", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(client.ConversationId, session.GetProperty("conversationId").GetString());

        var reopened = DirectLineTestClient.Resume(http, client.ConversationId, session.GetProperty("token").GetString()!);
        Assert.Equal(2, (await reopened.ActivitiesAsync()).Count);
    }

    [Fact]
    public async Task Unknown_threads_are_not_found()
    {
        var http = app.CreateClient();
        var unknown = Guid.CreateVersion7();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"/api/threads/{unknown}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"/api/threads/{unknown}/events", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync(new Uri($"/api/threads/{unknown}/directline", UriKind.Relative), null)).StatusCode);
    }
}
