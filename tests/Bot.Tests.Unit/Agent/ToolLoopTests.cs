using System.Text.Json;
using Bot.Agent.Llm;
using Microsoft.Extensions.AI;

using Bot.Tests.Support;

namespace Bot.Tests.Unit.Agent;

public class ToolLoopTests
{
    private sealed class RecordingObserver : IToolLoopObserver
    {
        public List<string> Steps { get; } = [];

        public Task OnTextAsync(string textSoFar, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task OnToolCallsAsync(string? text, IReadOnlyList<FunctionCallContent> calls, CancellationToken cancellationToken)
        {
            Steps.Add("calls:" + string.Join(",", calls.Select(c => c.Name)));
            return Task.CompletedTask;
        }

        public Task OnToolResultAsync(FunctionCallContent call, string result, bool isError, CancellationToken cancellationToken)
        {
            Steps.Add($"result:{call.Name}:{(isError ? "error" : "ok")}:{result}");
            return Task.CompletedTask;
        }
    }

    private static List<ChatMessage> Prompt() => [new(ChatRole.System, "system"), new(ChatRole.User, "question")];

    [Fact]
    public async Task Parallel_tool_calls_run_together_and_their_results_go_back_in_one_message()
    {
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        async Task<object> WaitForTheOther(string name)
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                bothStarted.SetResult();
            }
            // Run one after the other, this would never complete.
            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return new { name, value = name.Length };
        }
        var tools = new[]
        {
            AIFunctionFactory.Create(() => WaitForTheOther("balances"), "get_balances"),
            AIFunctionFactory.Create(() => WaitForTheOther("holdings"), "get_holdings"),
        };
        var chat = new ScriptedChatClient()
            .Then(ScriptedChatClient.ToolCalls(("c1", "get_balances", null), ("c2", "get_holdings", null)))
            .Then(ScriptedChatClient.Text("All good."));
        var observer = new RecordingObserver();

        var result = await new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 5, observer, default);

        Assert.Equal("All good.", result.Text);
        Assert.Equal(2, result.Iterations);
        Assert.False(result.HitIterationCap);
        Assert.Equal(
            ["calls:get_balances,get_holdings", """result:get_balances:ok:{"name":"balances","value":8}""", """result:get_holdings:ok:{"name":"holdings","value":8}"""],
            observer.Steps);
        var fedBack = chat.Calls[1].Messages[^1];
        Assert.Equal(ChatRole.Tool, fedBack.Role);
        Assert.Equal(["c1", "c2"], fedBack.Contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.Equal(2, chat.Calls[0].Options!.Tools!.Count);
    }

    [Fact]
    public async Task A_failing_tool_becomes_a_result_the_model_reads()
    {
        var tools = new[] { AIFunctionFactory.Create(string () => throw new InvalidOperationException("bank timed out"), "get_balances") };
        var chat = new ScriptedChatClient()
            .Then(ScriptedChatClient.ToolCalls(("c1", "get_balances", null), ("c2", "no_such_tool", null)))
            .Then(ScriptedChatClient.Text("The bank did not answer."));
        var observer = new RecordingObserver();

        var result = await new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 5, observer, default);

        Assert.Equal("The bank did not answer.", result.Text);
        Assert.StartsWith("result:get_balances:error:", observer.Steps[1], StringComparison.Ordinal);
        Assert.Contains("bank timed out", observer.Steps[1], StringComparison.Ordinal);
        Assert.StartsWith("result:no_such_tool:error:", observer.Steps[2], StringComparison.Ordinal);
        Assert.Contains("get_balances", observer.Steps[2], StringComparison.Ordinal);
        var results = chat.Calls[1].Messages[^1].Contents.OfType<FunctionResultContent>().ToList();
        Assert.Contains("bank timed out", results[0].Result!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_reach_the_tool()
    {
        string? seen = null;
        var tools = new[] { AIFunctionFactory.Create((string symbol) => { seen = symbol; return new { symbol, price = 190.5m }; }, "get_quote") };
        var chat = new ScriptedChatClient()
            .Then(ScriptedChatClient.ToolCalls(("c1", "get_quote", new Dictionary<string, object?> { ["symbol"] = "AAPL" })))
            .Then(ScriptedChatClient.Text("AAPL is 190.50."));
        var observer = new RecordingObserver();
        await new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 5, observer, default);
        Assert.Equal("AAPL", seen);
        Assert.Equal("""result:get_quote:ok:{"symbol":"AAPL","price":190.5}""", observer.Steps[1]);
    }

    [Fact]
    public async Task The_iteration_cap_ends_with_one_answer_without_tools()
    {
        var calls = 0;
        var tools = new[] { AIFunctionFactory.Create(() => ++calls, "poll") };
        var chat = new ScriptedChatClient();
        for (var i = 0; i < 3; i++)
        {
            chat.Then(ScriptedChatClient.ToolCalls(($"c{i}", "poll", null)));
        }
        chat.Then(ScriptedChatClient.Text("<thinking>I kept polling.</thinking>I could not finish: the data kept changing."));
        var observer = new RecordingObserver();

        var result = await new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 3, observer, default);

        Assert.True(result.HitIterationCap);
        Assert.Equal(3, calls);
        Assert.Equal(4, chat.Calls.Count);
        Assert.Null(chat.Calls[3].Options!.Tools);
        Assert.IsType<NoneChatToolMode>(chat.Calls[3].Options!.ToolMode);
        Assert.Contains("limit of 3 tool steps", chat.Calls[3].Messages[^1].Text, StringComparison.Ordinal);
        Assert.Equal("I could not finish: the data kept changing.", result.Text);
    }

    [Fact]
    public async Task Cancellation_mid_loop_stops_it_and_leaves_the_steps_taken_so_far()
    {
        using var cancellation = new CancellationTokenSource();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tools = new[]
        {
            AIFunctionFactory.Create(async (CancellationToken token) =>
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, token);
                return "never";
            }, "slow_report"),
        };
        var chat = new ScriptedChatClient().Then(ScriptedChatClient.ToolCalls(("c1", "slow_report", null)));
        var observer = new RecordingObserver();

        var loop = new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 5, observer, cancellation.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        Assert.Equal(["calls:slow_report"], observer.Steps);
        Assert.Single(chat.Calls);
    }

    [Fact]
    public async Task Unreadable_arguments_are_reported_to_the_model()
    {
        var tools = new[] { AIFunctionFactory.Create((int count) => count, "count") };
        var call = new FunctionCallContent("c1", "count") { Exception = new JsonException("unexpected end") };
        var chat = new ScriptedChatClient()
            .Then(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])))
            .Then(ScriptedChatClient.Text("Sorry."));
        var observer = new RecordingObserver();
        await new ToolLoop(chat).RunAsync(Prompt(), tools, new ChatOptions(), 5, observer, default);
        Assert.Contains("could not be read", observer.Steps[1], StringComparison.Ordinal);
    }
}
