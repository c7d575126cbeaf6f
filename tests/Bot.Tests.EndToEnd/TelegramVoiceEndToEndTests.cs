using System.Text.Json;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// Voice notes through the real host and telegram-test-api (behind the normaliser, which serves getFile and the file
/// endpoint the fake lacks): spoken audio fetched with the bot's token, decoded, recognised on the box and answered.
/// </summary>
public class TelegramVoiceEndToEndTests
{
    private const string Token = "123456:TEST-token_for-voice";
    private const long Chat = 43;

    private static Dictionary<string, string> Settings(TelegramTestServer telegram, string provider) => new()
    {
        ["Pipeline:LeaseSeconds"] = "2",
        ["Pipeline:PollSeconds"] = "0.2",
        ["Telegram:BotToken"] = Token,
        ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
        ["Speech:Provider"] = provider,
        ["Speech:MaxSeconds"] = "20",
    };

    private static string Text(JsonElement message) => message.GetProperty("text").GetString() ?? string.Empty;

    private static Task<IReadOnlyList<(long MessageId, JsonElement Message)>> WaitForMessagesAsync(TelegramTestServer telegram, int count, string what) =>
        Eventually.GetAsync(() => telegram.BotMessagesAsync(Token, Chat), m => m.Count >= count, what, TimeSpan.FromSeconds(90));

    [Fact]
    public async Task A_spoken_show_my_portfolio_is_answered_with_the_portfolio_after_what_was_heard()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram, "local"));

        await telegram.SendVoiceAsync(Token, Chat, await SpokenAudio.SpeakAsync("show my portfolio"), durationSeconds: 2);
        var replies = await WaitForMessagesAsync(telegram, 2, "what was heard, then the portfolio");
        Assert.Contains("I heard", Text(replies[0].Message), StringComparison.Ordinal);
        Assert.Contains("show my portfolio", Text(replies[0].Message), StringComparison.Ordinal);
        Assert.Contains("/portfolio", Text(replies[0].Message), StringComparison.Ordinal);
        Assert.Contains("Portfolio", Text(replies[1].Message), StringComparison.Ordinal);
        Assert.Contains("Brokerage", Text(replies[1].Message), StringComparison.Ordinal);
        Assert.Single(telegram.Normaliser.Downloads);

        // The transcript is the person's message in the thread, with the duration and the reference to the original.
        Assert.Equal(1, await db.CountAsync(
            "SELECT count(*) FROM thread_events WHERE role = 'user' AND content->>'text' = '/portfolio' " +
            "AND content->'voice'->>'heard' = 'show my portfolio' AND (content->'voice'->>'decodedSeconds')::float > 0.5 " +
            "AND content->'voice'->>'fileReference' LIKE 'voice-%'"));
        Assert.DoesNotContain(Token, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silence_and_a_missing_file_get_clear_answers_and_nothing_is_transcribed()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram, "local"));

        await telegram.SendVoiceAsync(Token, Chat, await SpokenAudio.SilenceAsync(2), durationSeconds: 2);
        var first = await WaitForMessagesAsync(telegram, 1, "the answer to silence");
        Assert.Contains("only silence", Text(first[0].Message), StringComparison.Ordinal);

        await telegram.SendVoiceAsync(Token, Chat, [0x4f, 0x67, 0x67, 0x53, 1, 2, 3, 4, 5, 6, 7, 8], durationSeconds: 1);
        var second = await WaitForMessagesAsync(telegram, 2, "the answer to corrupt audio");
        Assert.Contains("could not read that audio", Text(second[1].Message), StringComparison.Ordinal);

        await telegram.SendVoiceAsync(Token, Chat, await SpokenAudio.SpeakAsync("help"), durationSeconds: 60);
        var third = await WaitForMessagesAsync(telegram, 3, "the answer to a note over the limit");
        Assert.Contains("longer than 20 seconds", Text(third[2].Message), StringComparison.Ordinal);

        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM inbox WHERE status = 'Pending'"), n => n == 0, "the pipeline to settle", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM thread_events WHERE content->'voice'->>'heard' IS NOT NULL"));
        // Two downloads: the note over the limit was refused from its stated duration, before fetching.
        Assert.Equal(2, telegram.Normaliser.Downloads.Count);
    }

    [Fact]
    public async Task With_no_provider_a_voice_note_is_answered_with_how_to_set_voice_up()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, Settings(telegram, "none"));

        await telegram.SendVoiceAsync(Token, Chat, await SpokenAudio.SpeakAsync("show my portfolio"), durationSeconds: 2);
        var replies = await WaitForMessagesAsync(telegram, 1, "the answer that voice is not set up");
        Assert.Contains("not set up", Text(replies[0].Message), StringComparison.Ordinal);
        Assert.Contains("Speech:Provider", Text(replies[0].Message), StringComparison.Ordinal);
        Assert.Empty(telegram.Normaliser.Downloads);
    }
}
