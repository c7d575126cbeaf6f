using System.Text.Json;
using Bot.Channels.Telegram;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Storage;
using Bot.Storage.Entities;
using Bot.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Bot.Tests.Integration.Telegram;

/// <summary>
/// Live replies on Telegram at the channel's edge: <see cref="TelegramLiveUpdates"/> streaming into one message and
/// <see cref="TelegramChannelSender"/> ending it with the final reply, against <c>telegram-test-api</c> (behind the
/// normaliser) and real PostgreSQL, where the streamed message's id is kept for whichever replica sends the final reply.
/// </summary>
public sealed class TelegramStreamsTests : IAsyncLifetime
{
    private const string Token = "123456:TEST-token_for-streams";

    private readonly ManualClock clock = new();
    private TelegramTestServer telegram = null!;
    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;
    private HttpClient http = null!;
    private TelegramLiveUpdates live = null!;
    private TelegramChannelSender sender = null!;

    public async Task InitializeAsync()
    {
        telegram = await TelegramTestServer.StartAsync();
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(default);
        http = new HttpClient();
        var client = TelegramBotClientFactory.Create(new TelegramOptions { BotToken = Token, ApiBaseUrl = telegram.ApiBaseUrl }, http);
        var streams = new TelegramStreams(dataSource, clock);
        live = new TelegramLiveUpdates(client, streams, NullLogger<TelegramLiveUpdates>.Instance);
        // Another replica's sender (its own memory): all it shares with the streaming one is the database.
        sender = new TelegramChannelSender(client, new TelegramStreams(dataSource, clock), NullLogger<TelegramChannelSender>.Instance);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
        await telegram.DisposeAsync();
    }

    private static Conversation Chat(long chatId, bool group = false) => new()
    {
        Channel = TelegramMapper.Channel,
        Address = chatId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Reference = JsonSerializer.Serialize(new TelegramReference(chatId, null), TelegramMapper.ReferenceJson),
        IsGroup = group,
    };

    private static OutboundDelivery Final(Conversation chat, OutgoingMessage message, List<(int, string)>? recorded = null) =>
        new(message.Id, chat.Id, chat.Address, chat.Reference, message, null, 1)
        {
            RecordPartAsync = (index, id, _) =>
            {
                recorded?.Add((index, id));
                return Task.CompletedTask;
            },
        };

    private async Task<IReadOnlyList<(long MessageId, JsonElement Message)>> MessagesAsync(long chatId) => await telegram.BotMessagesAsync(Token, chatId);

    private static string Text(JsonElement message) => message.GetProperty("text").GetString() ?? string.Empty;

    private static int Buttons(JsonElement message) =>
        message.TryGetProperty("reply_markup", out var markup) && markup.ValueKind == JsonValueKind.Object && markup.TryGetProperty("inline_keyboard", out var rows)
            ? rows.EnumerateArray().Sum(r => r.GetArrayLength())
            : 0;

    [Fact]
    public async Task Pieces_grow_one_message_at_most_once_a_second_and_the_final_reply_edits_it_even_when_sent_twice()
    {
        var chat = Chat(501);
        await live.StreamTextAsync(chat, "stream-a", 1, "Index funds track", default);
        var first = Assert.Single(await MessagesAsync(501));
        Assert.Equal("Index funds track", Text(first.Message));

        // Within the second: skipped (the next piece carries the whole text anyway).
        clock.Advance(TimeSpan.FromMilliseconds(400));
        await live.StreamTextAsync(chat, "stream-a", 2, "Index funds track a market", default);
        Assert.Equal("Index funds track", Text(Assert.Single(await MessagesAsync(501)).Message));
        clock.Advance(TimeSpan.FromMilliseconds(700));
        await live.StreamTextAsync(chat, "stream-a", 3, "Index funds track a market by holding", default);
        var grown = Assert.Single(await MessagesAsync(501));
        Assert.Equal(first.MessageId, grown.MessageId);
        Assert.Equal("Index funds track a market by holding", Text(grown.Message));

        var reply = new OutgoingMessage { Text = "Index funds track a market by holding **every** stock in it.", StreamId = "stream-a" };
        var result = await sender.SendAsync(Final(chat, reply), default);
        Assert.Equal(new SendResult.Sent(first.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture)), result);
        // The outbox tries again when it could not record the outcome (a crash just after the send): the same edit, no new message.
        Assert.Equal(result, await sender.SendAsync(Final(chat, reply), default));
        var final = Assert.Single(await MessagesAsync(501));
        Assert.Equal(first.MessageId, final.MessageId);
        Assert.Equal("Index funds track a market by holding <b>every</b> stock in it.", Text(final.Message));
        Assert.Equal("HTML", final.Message.GetProperty("parse_mode").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task A_final_reply_with_buttons_edits_the_streamed_message_and_attaches_its_keyboard()
    {
        var chat = Chat(502);
        await live.StreamTextAsync(chat, "stream-b", 1, "Your plan", default);
        var reply = new OutgoingMessage
        {
            Text = "Your plan is ready.",
            StreamId = "stream-b",
            Buttons = [new MessageButton("Show portfolio", "/portfolio"), new MessageButton("Help", "/help")],
        };
        await sender.SendAsync(Final(chat, reply), default);
        var only = Assert.Single(await MessagesAsync(502));
        Assert.Equal("Your plan is ready.", Text(only.Message));
        Assert.Equal(2, Buttons(only.Message));
    }

    [Fact]
    public async Task A_long_final_reply_puts_its_first_part_in_the_streamed_message_and_sends_the_rest_after_it()
    {
        var chat = Chat(503);
        await live.StreamTextAsync(chat, "stream-c", 1, "Paragraph 0", default);
        var streamed = Assert.Single(await MessagesAsync(503)).MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = string.Join("\n\n", Enumerable.Range(0, 250).Select(i => $"Paragraph {i} with some words in it"));
        Assert.Equal(3, TelegramHtml.Render(text).Count);
        var recorded = new List<(int, string)>();
        var result = await sender.SendAsync(Final(chat, new OutgoingMessage { Text = text, StreamId = "stream-c" }, recorded), default);

        var messages = await MessagesAsync(503);
        Assert.Equal(3, messages.Count);
        Assert.StartsWith("Paragraph 0 with some words", Text(messages[0].Message), StringComparison.Ordinal);
        Assert.EndsWith("Paragraph 249 with some words in it", Text(messages[2].Message), StringComparison.Ordinal);
        // The streamed message is part 0, recorded as such; the last part names the reply.
        Assert.Equal((0, streamed), recorded[0]);
        Assert.Equal(2, recorded.Count);
        Assert.Equal(new SendResult.Sent(messages[2].MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture)), result);
    }

    [Fact]
    public async Task When_the_streamed_message_was_deleted_the_final_reply_is_sent_as_a_message_of_its_own()
    {
        var chat = Chat(504);
        await live.StreamTextAsync(chat, "stream-d", 1, "Bonds are", default);
        var streamed = Assert.Single(await MessagesAsync(504));
        telegram.Normaliser.DeleteMessage(streamed.MessageId);

        var result = await sender.SendAsync(Final(chat, new OutgoingMessage { Text = "Bonds are loans.", StreamId = "stream-d" }), default);
        var messages = await MessagesAsync(504);
        Assert.Equal(2, messages.Count);
        Assert.Equal("Bonds are loans.", Text(messages[1].Message));
        Assert.Equal(new SendResult.Sent(messages[1].MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture)), result);
    }

    [Fact]
    public async Task A_reply_that_was_not_streamed_or_was_streamed_in_another_chat_is_sent_fresh()
    {
        var chat = Chat(505);
        await live.StreamTextAsync(Chat(506), "stream-e", 1, "Elsewhere", default);
        await sender.SendAsync(Final(chat, new OutgoingMessage { Text = "Not streamed.", StreamId = "never-streamed" }), default);
        await sender.SendAsync(Final(chat, new OutgoingMessage { Text = "Streamed in 506.", StreamId = "stream-e" }), default);
        Assert.Equal(["Not streamed.", "Streamed in 506."], (await MessagesAsync(505)).Select(m => Text(m.Message)).ToArray());
        Assert.Equal("Elsewhere", Text(Assert.Single(await MessagesAsync(506)).Message));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
