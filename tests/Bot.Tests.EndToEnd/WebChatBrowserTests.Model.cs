using Bot.Tests.Integration.LlmWire;
using Bot.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bot.Tests.EndToEnd;

/// <summary>The web page with a language model: a scripted Anthropic API that answers in pieces, with pauses.</summary>
public sealed partial class WebChatBrowserTests
{
    [Fact]
    public async Task Model_replies_stream_in_and_each_stays_under_its_question_whatever_the_timing()
    {
        // Three turns; the answers come in pieces far enough apart to be seen growing, and at different paces.
        (string Question, string[] Chunks, int PauseMs)[] turns =
        [
            ("What is an index fund?", ["It tracks a market ", "by holding every stock ", "in its list."], 900),
            ("And a bond fund?", ["That one lends money ", "to many issuers."], 300),
            ("Which one is safer?", ["Lending usually ", "swings less ", "than owning."], 1200),
        ];
        await using var database = await TestDatabase.CreateAsync();
        await using var llm = await ScriptedLlmServer.StartAsync();
        foreach (var (question, chunks, pause) in turns)
        {
            llm.Script("answer: " + question, r => r.IsMessages() && r.IsStreaming && r.LastUserText() == question,
                AnthropicWire.TextStream(TimeSpan.FromMilliseconds(pause), chunks));
        }
        llm.Script("title", r => r.IsMessages() && !r.IsStreaming && r.SystemText().Contains("You name chat threads", StringComparison.Ordinal), AnthropicWire.TextMessage("Funds"), times: null);
        llm.Script("other", r => r.IsMessages() && !r.IsStreaming, AnthropicWire.TextMessage("[]"), times: null);
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>
        {
            ["Llm:Provider"] = "anthropic",
            ["Llm:ApiKey"] = "test-key-not-real",
            ["Llm:Model"] = "claude-test",
            ["Llm:BaseUrl"] = llm.BaseUrl.ToString().TrimEnd('/'),
        });
        await using var browser = await BrowserPage.OpenAsync(host);

        await browser.RunAsync(output, async page =>
        {
            await page.GotoAsync("/");
            var chat = new ChatPage(page);
            var said = new List<string>();
            foreach (var (question, chunks, _) in turns)
            {
                var answer = string.Concat(chunks);
                await chat.SendAsync(question);
                // The reply grows in the transcript before it is whole (Web Chat's livestreaming of typing activities):
                // a bubble holding just the first piece shows for the pause before the next one (polled every 50 ms).
                await page.WaitForFunctionAsync(
                    "text => [...document.querySelectorAll('[role=feed] p')].some(p => p.textContent.trim() === text)",
                    chunks[0].Trim(), new() { PollingInterval = 50 });
                await Expect(chat.Transcript.GetByText(answer, new() { Exact = true })).ToBeVisibleAsync();
                said.Add(question);
                said.Add(answer);
                // Everything so far, in the order it was said: each answer under its own question, and nothing twice.
                await AssertInOrderAsync(chat, said);
            }
            Assert.True(llm.AnsweredBy("answer: " + turns[^1].Question).Count == 1, string.Join("\n", llm.Requests));

            // A reload replays the same order.
            await page.ReloadAsync();
            await Expect(chat.Transcript.GetByText(said[^1], new() { Exact = true })).ToBeVisibleAsync();
            await AssertInOrderAsync(chat, said);
        });
    }

    /// <summary>The transcript's bubbles show <paramref name="texts"/> top to bottom in this order, each once.</summary>
    private static async Task AssertInOrderAsync(ChatPage chat, IReadOnlyList<string> texts)
    {
        // Web Chat may settle a moment after the last piece arrives: wait for the order rather than sample it once.
        IReadOnlyList<string> shown = [];
        try
        {
            await Eventually.GetAsync(async () => shown = await chat.Transcript.GetByRole(AriaRole.Paragraph).AllInnerTextsAsync(),
                paragraphs => IsInOrder(paragraphs, texts), "the transcript in the order things were said", TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Expected in this order:\n{string.Join("\n", texts)}\nThe transcript shows:\n{string.Join("\n", shown)}");
        }
    }

    private static bool IsInOrder(IReadOnlyList<string> paragraphs, IReadOnlyList<string> texts)
    {
        var trimmed = paragraphs.Select(p => p.Trim()).ToList();
        if (texts.Any(t => trimmed.Count(p => p == t) != 1))
        {
            return false;
        }
        var positions = texts.Select(t => trimmed.IndexOf(t)).ToList();
        return positions.Zip(positions.Skip(1)).All(pair => pair.First < pair.Second);
    }
}
