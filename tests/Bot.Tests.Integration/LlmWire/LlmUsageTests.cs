using Bot.Tests.Support;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>
/// Model cost control through the real host and the Anthropic SDK against a scripted server: every model call's tokens
/// are stored for the person, thread and turn with the estimated cost from <c>Llm:Prices</c>; <c>/usage</c> shows them;
/// past <c>Llm:DailyTokensPerPerson</c> a question is answered with a clear message and no model call, while commands
/// still work.
/// </summary>
public class LlmUsageTests(LlmUsageTests.BudgetHost host) : IClassFixture<LlmUsageTests.BudgetHost>
{
    public sealed class BudgetHost : AnthropicWireHost
    {
        protected override IDictionary<string, string> MoreSettings => new Dictionary<string, string>
        {
            ["Llm:DailyTokensPerPerson"] = "1100",
            ["Llm:Prices:claude-test:InputPerMillionTokens"] = "3",
            ["Llm:Prices:claude-test:OutputPerMillionTokens"] = "15",
        };
    }

    [Fact]
    public async Task Calls_are_stored_with_their_cost_usage_shows_them_and_the_daily_allowance_stops_the_model_but_not_commands()
    {
        const string first = "What is an index fund?";
        const string second = "And what is a bond ladder?";
        var server = host.Server;
        server.Script("answer", r => r.IsMessages() && r.IsStreaming && r.LastUserText() == first,
            AnthropicWire.TextStream(TimeSpan.FromMilliseconds(50), "A fund that holds ", "every stock of an index."));
        server.Script("title", AnthropicWireTests.IsTitleCall, AnthropicWireTests.TitleMessage);
        server.Script("facts", AnthropicWireTests.IsFactsCall, AnthropicWireTests.NoFactsMessage);

        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await client.SendAsync(first);
        Assert.Equal("A fund that holds every stock of an index.", (await client.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString());
        await server.WaitForAsync(r => r.Any(x => x.AnsweredBy == "facts"), "the calls after the reply");
        var db = host.App.Database;
        await Eventually.GetAsync(() => db.CountAsync("SELECT count(*) FROM llm_usage"), n => n == 3, "three calls stored");

        // The reply's stream (input 900, output 1 + 30 as the SSE reports them), the title and the facts: each with its person,
        // thread and turn, and a cost of $3 per million in and $15 per million out.
        var person = await db.ScalarAsync<Guid>("SELECT user_id FROM threads LIMIT 1");
        Assert.Equal(3, await db.CountAsync("SELECT count(*) FROM llm_usage WHERE user_id = $1 AND thread_id IS NOT NULL AND turn_id IS NOT NULL AND model = 'claude-test'", person));
        Assert.Equal(1, await db.CountAsync("SELECT count(*) FROM llm_usage WHERE purpose = 'reply' AND input_tokens = 900 AND output_tokens > 0"));
        Assert.Equal(2, await db.CountAsync("SELECT count(*) FROM llm_usage WHERE purpose = 'after-reply'"));
        Assert.Equal(0, await db.CountAsync("SELECT count(*) FROM llm_usage WHERE cost_usd <> (input_tokens * 3 + output_tokens * 15) / 1000000.0"));
        var spent = await db.ScalarAsync<long>("SELECT sum(input_tokens + output_tokens)::bigint FROM llm_usage");
        Assert.Equal(spent, await db.ScalarAsync<long>("SELECT tokens FROM llm_usage_months"));
        Assert.True(spent >= 1100, $"the script spends the allowance ({spent} tokens)");

        // /usage (a command: no model) says what was used and that nothing is left today.
        await client.SendAsync("/usage");
        var usage = (await client.WaitForBotRepliesAsync(2))[1].GetProperty("text").GetString()!;
        Assert.Contains($"Today (UTC): {spent:N0} tokens", usage, StringComparison.Ordinal);
        Assert.Contains("in 3 calls, about $", usage, StringComparison.Ordinal);
        Assert.Contains("Daily allowance: 1,100 tokens, 0 left", usage, StringComparison.Ordinal);

        // Past the allowance a question gets the reason and no model call; commands still answer.
        var calls = server.Requests.Count;
        await client.SendAsync(second);
        var refused = (await client.WaitForBotRepliesAsync(3))[2].GetProperty("text").GetString()!;
        Assert.StartsWith("You have used today's allowance of the language model (1,100 tokens)", refused, StringComparison.Ordinal);
        Assert.Equal(calls, server.Requests.Count);
        await client.SendAsync("/help");
        var help = (await client.WaitForBotRepliesAsync(4))[3].GetProperty("text").GetString()!;
        Assert.Contains("/usage", help, StringComparison.Ordinal);
        Assert.EndsWith("Anything else you write goes to the language model: ask in your own words.", help, StringComparison.Ordinal);
        Assert.Equal(3, await db.CountAsync("SELECT count(*) FROM llm_usage"));
    }
}

/// <summary>The service-wide monthly budget, on a host of its own (two hosts on one database would share the turns).</summary>
public class LlmMonthlyBudgetTests(LlmMonthlyBudgetTests.MonthlyHost host) : IClassFixture<LlmMonthlyBudgetTests.MonthlyHost>
{
    public sealed class MonthlyHost : AnthropicWireHost
    {
        protected override IDictionary<string, string> MoreSettings => new Dictionary<string, string> { ["Llm:MonthlyTokenBudget"] = "5000" };
    }

    [Fact]
    public async Task The_service_monthly_budget_stops_every_persons_model_calls()
    {
        // The month is spent already (by other people, or another replica): the next question costs nothing and says why.
        await host.App.Database.ScalarAsync<int>(
            "INSERT INTO llm_usage_months (month, tokens, cost_usd) VALUES (date_trunc('month', now() AT TIME ZONE 'UTC')::date, 5000, 0) RETURNING 1");
        var client = await DirectLineTestClient.StartAsync(host.App.CreateClient());
        await client.SendAsync("Is now a good time to buy?");
        var text = (await client.WaitForBotRepliesAsync(1))[0].GetProperty("text").GetString()!;
        Assert.StartsWith("The assistant's language model has used this month's budget", text, StringComparison.Ordinal);
        Assert.Empty(host.Server.Requests);
        await client.SendAsync("/usage");
        Assert.Contains("Today (UTC): nothing", (await client.WaitForBotRepliesAsync(2))[1].GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
