using System.Text.Json;
using Bot.Pipeline;
using Microsoft.Extensions.AI;

namespace Bot.Agent.Llm;

/// <summary>What happens in a tool loop, as it happens: the agent persists each step and streams text.</summary>
public interface IToolLoopObserver
{
    /// <summary>Text as it streams in (already free of thinking blocks only once complete; callers strip before showing).</summary>
    Task OnTextAsync(string textSoFar, CancellationToken cancellationToken);

    /// <summary>The model asked for tools (with any text it wrote alongside).</summary>
    Task OnToolCallsAsync(string? text, IReadOnlyList<FunctionCallContent> calls, CancellationToken cancellationToken);

    /// <summary>One tool answered (or failed, <paramref name="isError"/>).</summary>
    Task OnToolResultAsync(FunctionCallContent call, string result, bool isError, CancellationToken cancellationToken);
}

public sealed record ToolLoopResult(string Text, int Iterations, bool HitIterationCap);

/// <summary>
/// The agent's tool-calling loop: ask the model; run every tool it calls, in parallel; feed the results back; repeat
/// until it answers in text or the iteration cap is reached, then ask once more without tools. A tool failure becomes
/// a result the model can read. Cancellation stops it between and during steps.
/// </summary>
/// <remarks>
/// Ours rather than Microsoft.Extensions.AI's <c>FunctionInvokingChatClient</c>, whose hooks do not cover what a turn
/// needs: it has no point between the model's tool calls and their invocation to persist the step (only a per-function
/// invoker, which would persist parallel results in completion order, not call order); at its iteration cap it returns
/// the unanswered tool calls instead of asking for an answer; it answers unknown tools and unreadable arguments with its
/// own text, bypassing the invoker; and a failure marked for the provider (<see cref="FunctionResultContent.Exception"/>,
/// Anthropic's <c>is_error</c>) counts towards its consecutive-error limit, past which it throws into the turn.
/// </remarks>
public sealed class ToolLoop(IChatClient chat)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The AI library's options without indentation: <see cref="AIFunctionFactory"/> returns results formatted with
    /// <see cref="AIJsonUtilities.DefaultOptions"/>, which indent, and a result goes to the model (tokens) and the database.
    /// </summary>
    public static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public async Task<ToolLoopResult> RunAsync(
        List<ChatMessage> messages,
        IReadOnlyList<AIFunction> tools,
        ChatOptions options,
        int maxIterations,
        IToolLoopObserver observer,
        CancellationToken cancellationToken)
    {
        var byName = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var withTools = options.Clone();
        withTools.Tools = tools.Count > 0 ? [.. tools] : null;
        withTools.ToolMode = tools.Count > 0 ? ChatToolMode.Auto : null;

        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            var response = await AskAsync(messages, withTools, observer, cancellationToken);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            var text = ThinkingFilter.Strip(response.Text);
            messages.AddRange(response.Messages);
            if (calls.Count == 0)
            {
                return new ToolLoopResult(text, iteration, HitIterationCap: false);
            }

            await observer.OnToolCallsAsync(text.Length > 0 ? text : null, calls, cancellationToken);
            var results = await Task.WhenAll(calls.Select(call => InvokeAsync(call, byName, cancellationToken)));
            for (var i = 0; i < calls.Count; i++)
            {
                await observer.OnToolResultAsync(calls[i], results[i].Content, results[i].IsError, cancellationToken);
            }
            // A failed call carries an exception too, so providers that mark errors (Anthropic's is_error) do.
            messages.Add(new ChatMessage(ChatRole.Tool, calls.Select((call, i) => (AIContent)new FunctionResultContent(call.CallId, results[i].Content)
            {
                Exception = results[i].IsError ? new InvalidOperationException(results[i].Content) : null,
            }).ToList()));
        }

        // Out of tool steps: one last call without tools, so the user gets an answer from what was gathered.
        messages.Add(new ChatMessage(ChatRole.User,
            $"(System note: the limit of {maxIterations} tool steps for this message is reached. Answer now with what you have, and say what you could not finish.)"));
        var final = options.Clone();
        final.Tools = null;
        final.ToolMode = ChatToolMode.None;
        var last = await AskAsync(messages, final, observer, cancellationToken);
        messages.AddRange(last.Messages);
        return new ToolLoopResult(ThinkingFilter.Strip(last.Text), maxIterations, HitIterationCap: true);
    }

    private async Task<ChatResponse> AskAsync(List<ChatMessage> messages, ChatOptions options, IToolLoopObserver observer, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        var text = new System.Text.StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
            if (!string.IsNullOrEmpty(update.Text))
            {
                text.Append(update.Text);
                await observer.OnTextAsync(text.ToString(), cancellationToken);
            }
        }
        return updates.ToChatResponse();
    }

    private static async Task<(string Content, bool IsError)> InvokeAsync(FunctionCallContent call, Dictionary<string, AIFunction> tools, CancellationToken cancellationToken)
    {
        // A span per tool call in the turn's trace: the tool's name and whether it failed, never its arguments or result.
        using var activity = BotTelemetry.Source.StartActivity("bot.tool " + call.Name);
        activity?.SetTag("gen_ai.tool.name", call.Name);
        var (content, isError) = await InvokeCoreAsync(call, tools, cancellationToken);
        if (isError)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }
        return (content, isError);
    }

    private static async Task<(string Content, bool IsError)> InvokeCoreAsync(FunctionCallContent call, Dictionary<string, AIFunction> tools, CancellationToken cancellationToken)
    {
        if (!tools.TryGetValue(call.Name, out var tool))
        {
            return (Error($"There is no tool named '{call.Name}'. Available: {string.Join(", ", tools.Keys)}."), true);
        }
        if (call.Exception is { } parseError)
        {
            return (Error($"The arguments for {call.Name} could not be read: {parseError.Message}"), true);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ToolTimeout);
            var result = await tool.InvokeAsync(new AIFunctionArguments(call.Arguments), timeout.Token);
            var element = result is JsonElement e ? e : JsonSerializer.SerializeToElement(result, Compact);
            // A ToolError ({"error": "..."}) is a failure the tool reported in words.
            var isError = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("error", out _) && element.EnumerateObject().Count() == 1;
            return (JsonSerializer.Serialize(element, Compact), isError);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return (Error($"{call.Name} did not answer within {ToolTimeout.TotalSeconds:0} seconds."), true);
        }
        catch (Exception exception)
        {
            // Never into the loop: the model reads the failure and can tell the user or try another way.
            return (Error($"{call.Name} failed: {exception.Message}"), true);
        }
    }

    private static string Error(string message) => JsonSerializer.Serialize(new { error = message }, Compact);

}
