using System.Text.Json;
using Bot.Channels.Slack;
using Bot.Channels.Telegram;
using Bot.Pipeline;
using Bot.Pipeline.Model;
using Bot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// The real host on PostgreSQL with the real Slack and Telegram senders, against the fake Slack Web API and
/// telegram-test-api (behind its normaliser); the test drives the outbox sender by hand and injects the platforms' failures.
/// </summary>
public sealed class OutboxPartsFixture : IAsyncLifetime
{
    public const string TelegramToken = "123456:PARTS-test_token";

    private FakeSlackApi? slack;
    private TelegramTestServer? telegram;
    private SettingsHost? host;

    public FakeSlackApi Slack => slack ?? throw new InvalidOperationException("not started");
    public TelegramTestServer Telegram => telegram ?? throw new InvalidOperationException("not started");
    public SettingsHost Host => host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync(); // whatever did start is stopped
            throw;
        }
    }

    private async Task StartAsync()
    {
        slack = FakeSlackApi.Start();
        telegram = await TelegramTestServer.StartAsync();
        host = new SettingsHost(new Dictionary<string, string>
        {
            ["Pipeline:TurnWorkers"] = "0",
            ["Pipeline:OutboxSenders"] = "0",
            ["Pipeline:LeaseSeconds"] = "1",
            ["Pipeline:RetryBaseSeconds"] = "0.05",
            ["Pipeline:MaxRetryDelaySeconds"] = "0.2",
            ["Pipeline:MaxSendAttempts"] = "3",
            ["Slack:BotToken"] = slack.Token,
            ["Slack:SigningSecret"] = "parts-signing-secret",
            ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
            ["Telegram:BotToken"] = TelegramToken,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        });
        await ((IAsyncLifetime)host).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }
        if (telegram is not null)
        {
            await telegram.DisposeAsync();
        }
        if (slack is not null)
        {
            await slack.DisposeAsync();
        }
    }
}

public sealed class SettingsHost(IDictionary<string, string> settings) : BotAppFactory
{
    protected override IDictionary<string, string> Settings => settings;
}

/// <summary>
/// A reply in parts reaches the platform part by part, each part once, across retries and a restart; a part that keeps
/// failing is given up within Pipeline:MaxSendAttempts and the conversation moves on; a runaway reply is cut and says so.
/// </summary>
public class OutboxPartsTests(OutboxPartsFixture fixture) : IClassFixture<OutboxPartsFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private TestDatabase Db => fixture.Host.Database;
    private FakeSlackApi Slack => fixture.Slack;
    private OutboxProcessor Processor => fixture.Host.Services.GetRequiredService<OutboxProcessor>();

    /// <summary>Paragraphs with a unique, zero-padded number each, so that any line names the one part it is in.</summary>
    private static string LongText(string tag, int paragraphs) =>
        string.Join("\n\n", Enumerable.Range(0, paragraphs).Select(i => $"{tag} paragraph {i:000} with some words in it"));

    private static string FirstLine(string part) => part.Split('\n')[0];

    private async Task<Guid> ConversationAsync(string channel, string address)
    {
        var id = Guid.CreateVersion7();
        await Db.ScalarAsync<int>("INSERT INTO conversations (id, channel, address, created_at) VALUES ($1, $2, $3, now())", id, channel, address);
        return id;
    }

    private async Task<Guid> EnqueueAsync(Guid conversationId, string channel, string text)
    {
        var id = Guid.CreateVersion7();
        await Db.ScalarAsync<int>(
            """
            INSERT INTO outbox (id, conversation_id, channel, payload, status, created_at, next_attempt_at, expires_at)
            VALUES ($1, $2, $3, $4::jsonb, 'Pending', now(), now(), now() + interval '15 minutes')
            """,
            id, conversationId, channel, BotJson.Serialize(new OutgoingMessage { Id = id, Text = text }));
        return id;
    }

    private Task<string?> StatusAsync(Guid row) => Db.ScalarAsync<string>("SELECT status FROM outbox WHERE id = $1", row);

    /// <summary>Runs the outbox sender (as its worker would) until the row is no longer pending.</summary>
    private Task<string?> SettleAsync(Guid row, OutboxProcessor? processor = null) =>
        Eventually.GetAsync(async () => { await (processor ?? Processor).SendDueAsync(50, default); return await StatusAsync(row); }, s => s != "Pending", "the row to settle", Wait);

    /// <summary>The texts Slack posted to one channel, in order (refused calls are recorded apart).</summary>
    private List<string> SlackPosts(string channel) =>
        Slack.Calls("chat.postMessage").Where(c => (string?)c.Body["channel"] == channel).Select(c => (string)c.Body["text"]!).ToList();

    private int SlackRefusals(string channel) => Slack.Calls("chat.postMessage#failed").Count(c => (string?)c.Body["channel"] == channel);

    private async Task<List<string>> TelegramMessagesAsync(long chat) =>
        (await fixture.Telegram.BotMessagesAsync(OutboxPartsFixture.TelegramToken, chat)).Select(m => m.Message.GetProperty("text").GetString() ?? "").ToList();

    [Fact]
    public async Task Slack_a_reply_whose_second_part_fails_once_reaches_slack_with_each_part_exactly_once()
    {
        var text = LongText("slack-retry", 200);
        var pieces = SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(text));
        Assert.Equal(3, pieces.Count);
        var conversation = await ConversationAsync("slack", "T0FAKE:D0RETRY01");
        Slack.FailPostsContaining(FirstLine(pieces[1]), 1);

        var row = await EnqueueAsync(conversation, "slack", text);
        Assert.Equal("Sent", await SettleAsync(row));

        Assert.Equal(pieces, SlackPosts("D0RETRY01"));
        Assert.Equal(1, SlackRefusals("D0RETRY01"));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT attempts FROM outbox WHERE id = $1", row));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT parts_sent FROM outbox WHERE id = $1", row));
        // The reply is named by its first piece, which the record kept from the first attempt.
        var first = Slack.Calls("chat.postMessage").First(c => (string?)c.Body["channel"] == "D0RETRY01");
        var partIds = await Db.ScalarAsync<string[]>("SELECT part_ids FROM outbox WHERE id = $1", row);
        Assert.Equal(2, partIds!.Length);
        Assert.Equal(partIds[0], await Db.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE id = $1", row));
        Assert.StartsWith("D0RETRY01:", partIds[0], StringComparison.Ordinal);
        Assert.Equal(pieces[0], (string)first.Body["text"]!);
    }

    [Fact]
    public async Task Telegram_a_reply_whose_second_part_hits_the_flood_limit_reaches_the_chat_with_each_part_exactly_once()
    {
        const long chat = 4201;
        var text = LongText("telegram-retry", 200);
        var parts = TelegramHtml.Render(text);
        Assert.Equal(3, parts.Count);
        var conversation = await ConversationAsync("telegram", chat.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fixture.Telegram.Normaliser.FailSendMessagesContaining(FirstLine(parts[1]), 1);

        var row = await EnqueueAsync(conversation, "telegram", text);
        Assert.Equal("Sent", await SettleAsync(row));

        Assert.Equal(parts, await TelegramMessagesAsync(chat));
        Assert.Single(fixture.Telegram.Normaliser.Refused, r => r.Contains(FirstLine(parts[1]), StringComparison.Ordinal));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT attempts FROM outbox WHERE id = $1", row));
        // Telegram's reply is named by its last part (the one that carries any buttons).
        var messages = await fixture.Telegram.BotMessagesAsync(OutboxPartsFixture.TelegramToken, chat);
        Assert.Equal(messages[^1].MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await Db.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE id = $1", row));
    }

    [Fact]
    public async Task After_a_restart_a_new_sender_goes_on_from_the_recorded_part()
    {
        var text = LongText("slack-restart", 200);
        var pieces = SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(text));
        Assert.Equal(3, pieces.Count);
        var conversation = await ConversationAsync("slack", "T0FAKE:D0RESTART1");
        Slack.FailPostsContaining(FirstLine(pieces[1]), 1);
        var row = await EnqueueAsync(conversation, "slack", text);

        // The first process: the first piece goes out and is recorded, the second fails.
        await Eventually.GetAsync(async () => { await Processor.SendDueAsync(50, default); return SlackRefusals("D0RESTART1"); }, n => n == 1, "the second piece refused", Wait);
        Assert.Equal([pieces[0]], SlackPosts("D0RESTART1"));
        Assert.Equal(1, await Db.ScalarAsync<int>("SELECT parts_sent FROM outbox WHERE id = $1", row));

        // It dies holding the row (claimed, due): nothing survives but the database.
        await Db.ScalarAsync<int>("UPDATE outbox SET lease_until = now() + interval '1 hour', next_attempt_at = now() WHERE id = $1", row);
        var restarted = ActivatorUtilities.CreateInstance<OutboxProcessor>(fixture.Host.Services);
        await restarted.SendDueAsync(50, default);
        Assert.Equal([pieces[0]], SlackPosts("D0RESTART1")); // the dead sender's lease still holds

        // Its lease runs out; the new sender takes the row and goes on from the second piece.
        await Db.ScalarAsync<int>("UPDATE outbox SET lease_until = now() - interval '1 second' WHERE id = $1", row);
        Assert.Equal("Sent", await SettleAsync(row, restarted));
        Assert.Equal(pieces, SlackPosts("D0RESTART1"));
        Assert.Equal(2, await Db.ScalarAsync<int>("SELECT parts_sent FROM outbox WHERE id = $1", row));
    }

    [Fact]
    public async Task A_part_that_keeps_failing_is_given_up_within_the_bound_and_later_replies_go_out_then_a_note()
    {
        var text = LongText("slack-stuck", 200);
        var pieces = SlackMrkdwn.Split(SlackMrkdwn.FromMarkdown(text));
        Assert.Equal(3, pieces.Count);
        var conversation = await ConversationAsync("slack", "T0FAKE:D0STUCK001");
        Slack.FailPostsContaining(FirstLine(pieces[1]), int.MaxValue);
        var stuck = await EnqueueAsync(conversation, "slack", text);
        var second = await EnqueueAsync(conversation, "slack", "The second reply.");
        var third = await EnqueueAsync(conversation, "slack", "The third reply.");

        Assert.Equal("Failed", await SettleAsync(stuck));
        // Pipeline:MaxSendAttempts is 3 here: the first try delivered a piece, then three tries delivered nothing.
        Assert.Equal(4, await Db.ScalarAsync<int>("SELECT attempts FROM outbox WHERE id = $1", stuck));
        Assert.Equal(4, SlackRefusals("D0STUCK001"));
        Assert.StartsWith("gave up after 3 tries: rate_limited", await Db.ScalarAsync<string>("SELECT last_error FROM outbox WHERE id = $1", stuck), StringComparison.Ordinal);
        Assert.Equal("Sent", await SettleAsync(third));
        Assert.Equal("Sent", await StatusAsync(second));

        // The person is told the reply stopped short: one note, after what waited behind it, in the same conversation.
        var note = await Eventually.GetAsync(
            () => Db.ScalarAsync<Guid>("SELECT id FROM outbox WHERE conversation_id = $1 AND id NOT IN ($2, $3, $4)", conversation, stuck, second, third),
            id => id != Guid.Empty, "the note", Wait);
        Assert.Equal("Sent", await SettleAsync(note));
        var posts = SlackPosts("D0STUCK001");
        Assert.Equal([pieces[0], "The second reply.", "The third reply.", SlackMrkdwn.FromMarkdown(OutboxProcessor.CutShortText)], posts);
        Assert.Equal(4, await Db.CountAsync("SELECT count(*) FROM outbox WHERE conversation_id = $1", conversation));
    }

    [Fact]
    public async Task A_message_that_never_got_through_is_given_up_without_a_note()
    {
        var conversation = await ConversationAsync("slack", "T0FAKE:D0NEVER001");
        Slack.FailPostsContaining("never gets through", int.MaxValue);
        var row = await EnqueueAsync(conversation, "slack", "This never gets through.");
        var later = await EnqueueAsync(conversation, "slack", "But this does.");

        Assert.Equal("Failed", await SettleAsync(row));
        Assert.Equal(3, await Db.ScalarAsync<int>("SELECT attempts FROM outbox WHERE id = $1", row));
        Assert.Equal("Sent", await SettleAsync(later));
        Assert.Equal(["But this does."], SlackPosts("D0NEVER001"));
        Assert.Equal(2, await Db.CountAsync("SELECT count(*) FROM outbox WHERE conversation_id = $1", conversation));
    }

    [Fact]
    public async Task A_half_million_character_echo_is_cut_to_a_few_posts_that_say_it_was_shortened()
    {
        var echo = string.Concat(Enumerable.Repeat("echo <b> & more ", 500_000 / 16));
        var options = fixture.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineOptions>>().Value;

        var slackConversation = await ConversationAsync("slack", "T0FAKE:D0ECHO0001");
        Assert.Equal("Sent", await SettleAsync(await EnqueueAsync(slackConversation, "slack", echo)));
        var slackPosts = SlackPosts("D0ECHO0001");
        Assert.InRange(slackPosts.Count, 2, options.MaxReplyParts);
        Assert.EndsWith(ReplyLimits.ShortenedNote, slackPosts[^1], StringComparison.Ordinal);

        const long chat = 4202;
        var telegramConversation = await ConversationAsync("telegram", chat.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Sent", await SettleAsync(await EnqueueAsync(telegramConversation, "telegram", echo)));
        var telegramPosts = await TelegramMessagesAsync(chat);
        Assert.InRange(telegramPosts.Count, 2, options.MaxReplyParts);
        Assert.EndsWith(TelegramHtml.Render(ReplyLimits.ShortenedNote)[0], telegramPosts[^1], StringComparison.Ordinal);

        // The web chat takes a reply as one activity: cut to the cap, with the same note.
        var webConversation = await ConversationAsync("web", "parts-web-" + Guid.NewGuid().ToString("N"));
        var webRow = await EnqueueAsync(webConversation, "web", echo);
        Assert.Equal("Sent", await SettleAsync(webRow));
        var activity = await Db.ScalarAsync<string>("SELECT activity::text FROM directline_activities WHERE outbox_id = $1", webRow);
        var webText = JsonDocument.Parse(activity!).RootElement.GetProperty("text").GetString()!;
        Assert.InRange(webText.Length, options.MaxReplyCharacters / 2, options.MaxReplyCharacters);
        Assert.EndsWith(ReplyLimits.ShortenedNote, webText, StringComparison.Ordinal);

        // The outbox keeps what was asked for; the cap is applied where a message is handed to its channel.
        Assert.Equal(echo.Length, await Db.ScalarAsync<int>("SELECT length(payload->>'text') FROM outbox WHERE id = $1", webRow));
    }
}
