using System.Text.Json;
using Bot.Tests.Integration.LlmWire;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// A model's reply shown live on Telegram (the real host, <c>telegram-test-api</c> behind the normaliser, a scripted
/// Anthropic API that answers in pieces with pauses): one message that grows by edits and ends as the final reply.
/// </summary>
public class TelegramStreamingEndToEndTests
{
    private const string Token = "123456:TEST-token_for-e2e";
    private const long Chat = 4242;
    private const string Question = "What is an index fund?";
    private static readonly string[] Chunks = ["It tracks a market ", "by holding every stock ", "in its list."];

    [Fact]
    public async Task A_streamed_reply_is_one_message_that_grows_and_ends_as_the_final_reply()
    {
        await using var telegram = await TelegramTestServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var llm = await ScriptedLlmServer.StartAsync();
        // Pauses well over the channel's pace (one request a second per chat), so each piece is seen before the next.
        llm.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == Question,
            AnthropicWire.TextStream(TimeSpan.FromMilliseconds(2000), Chunks));
        llm.Script("title", r => r.IsMessages() && !r.IsStreaming && r.SystemText().Contains("You name chat threads", StringComparison.Ordinal), AnthropicWire.TextMessage("Index funds"), times: null);
        llm.Script("other", r => r.IsMessages() && !r.IsStreaming, AnthropicWire.TextMessage("[]"), times: null);
        await using var host = await BotHostProcess.StartAsync(db.ConnectionString, new Dictionary<string, string>
        {
            ["Pipeline:LeaseSeconds"] = "2",
            ["Pipeline:PollSeconds"] = "0.2",
            ["Telegram:BotToken"] = Token,
            ["Telegram:ApiBaseUrl"] = telegram.ApiBaseUrl,
            ["Llm:Provider"] = "anthropic",
            ["Llm:ApiKey"] = "test-key-not-real",
            ["Llm:Model"] = "claude-test",
            ["Llm:BaseUrl"] = llm.BaseUrl.ToString().TrimEnd('/'),
        });

        var answer = string.Concat(Chunks);
        await telegram.SendMessageAsync(Token, Chat, Question);

        // Watch the chat as the person would (every 100 ms): which messages there are, and what each says.
        var seen = new List<(long MessageId, string Text)>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (DateTimeOffset.UtcNow < deadline)
        {
            foreach (var (id, message) in await telegram.BotMessagesAsync(Token, Chat))
            {
                var text = Text(message);
                if (!seen.Contains((id, text)))
                {
                    seen.Add((id, text));
                }
            }
            if (seen.Any(s => s.Text == answer))
            {
                break;
            }
            await Task.Delay(100);
        }
        var shown = string.Join("\n", seen.Select(s => $"#{s.MessageId}: {s.Text}"));
        Assert.True(seen.Any(s => s.Text == answer), "the final reply never showed:\n" + shown);

        // The outbox settles; a few more seconds, in case anything were sent twice.
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM outbox WHERE status = 'Pending'"), n => n == 0, "the outbox to settle", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var messages = await telegram.BotMessagesAsync(Token, Chat);
        var only = Assert.Single(messages);
        Assert.Equal(answer, Text(only.Message));

        // One message throughout: it showed the first piece alone, then grew, each text the start of the next.
        Assert.All(seen, s => Assert.Equal(only.MessageId, s.MessageId));
        Assert.Equal(Chunks[0].Trim(), seen[0].Text.Trim());
        Assert.True(seen.Count >= 3, "expected the message to grow in steps:\n" + shown);
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.StartsWith(seen[i - 1].Text.Trim(), seen[i].Text, StringComparison.Ordinal);
        }
        // The final reply went through the outbox as an edit of that message, which the outbox row names.
        Assert.Equal(only.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await db.ScalarAsync<string>("SELECT platform_message_id FROM outbox WHERE status = 'Sent' AND channel = 'telegram' ORDER BY created_at DESC LIMIT 1"));
        Assert.Single(llm.AnsweredBy("answer"));
        Assert.DoesNotContain(Token, host.Output, StringComparison.Ordinal);
    }

    private static string Text(JsonElement message) =>
        message.TryGetProperty("text", out var text) ? text.GetString() ?? string.Empty : string.Empty;
}
