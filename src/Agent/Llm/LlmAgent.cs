using System.ComponentModel;
using System.Text.Json;
using Bot.Agent.Commands;
using Bot.Agent.Llm.Usage;
using Bot.Agent.Memory;
using Bot.Pipeline.Model;
using Bot.Pipeline;
using Bot.Agent.Tools;
using Bot.Storage.Entities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Llm;

/// <summary>
/// The agent with a language model: slash commands and button presses go to the command agent (they are
/// deterministic); anything else runs the tool loop over the thread's context. Every step is written to the
/// thread as it happens; the final answer is the turn's reply.
/// </summary>
public sealed class LlmAgent(
    IChatClient chat,
    CommandAgent commands,
    ContextBuilder contextBuilder,
    MemoryStore memory,
    IEnumerable<IToolProvider> toolProviders,
    LiveUpdates live,
    PostTurnWork postTurn,
    IOptions<LlmOptions> options,
    TimeProvider clock) : ITurnHandler
{
    public const int SubagentMaxIterations = 5;
    private readonly LlmOptions settings = options.Value;

    public async Task HandleAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        if (CommandAgent.Handles(turn.Message))
        {
            await commands.HandleAsync(turn, cancellationToken);
            return;
        }

        using var scope = LlmCallScope.Begin(new LlmCallScope(turn.UserId, turn.Thread.Id, turn.TurnId, "reply"));
        try
        {
            await AnswerAsync(turn, cancellationToken);
        }
        catch (LlmBudgetExceededException exception)
        {
            // A spent budget is an answer, not a failure: the person learns why and that commands still work.
            turn.Reply(exception.Message);
        }
    }

    /// <summary>Only a command that may: free text goes to the model, whose prompt is the thread's history.</summary>
    public bool MayRunAhead(IncomingMessage message) => CommandAgent.Handles(message) && commands.MayRunAhead(message);

    private async Task AnswerAsync(TurnContext turn, CancellationToken cancellationToken)
    {
        await live.TypingAsync(turn.Conversation, cancellationToken);
        var context = ToolContext.For(turn);
        var tools = toolProviders.SelectMany(p => p.GetTools(context)).ToList();
        tools.Add(DelegateTool(turn, tools));

        var memories = turn.Conversation.IsGroup ? [] : await memory.ListAsync(turn.UserId, cancellationToken);
        var window = await contextBuilder.BuildAsync(turn.Thread, settings.ContextTokens, cancellationToken);
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, SystemPrompt.Build(clock.GetUtcNow(), turn.Conversation.Channel, turn.Conversation.IsGroup, memories, turn.Thread.Summary, tools)),
        };
        messages.AddRange(window.Messages);

        var streamId = Guid.CreateVersion7().ToString("N");
        var observer = new TurnObserver(turn, live, streamId, subagentTask: null, clock);
        var result = await new ToolLoop(chat).RunAsync(messages, tools, ChatOptions(), settings.MaxToolIterations, observer, cancellationToken);

        var reply = result.Text.Length > 0 ? result.Text : "I have no answer to that. Could you rephrase it?";
        turn.Reply(reply, streamId: observer.Streamed ? streamId : null);
        // A scheduled prompt is the user's standing instruction, not something they just said: no facts from it.
        var userText = turn.Message.ScheduleId is null ? turn.Message.Text ?? string.Empty : string.Empty;
        var turnId = turn.TurnId;
        turn.AfterCommit(ct => postTurn.RunAsync(turn.Thread, turn.Conversation, turn.UserId, turnId, userText, reply, window, ct));
    }

    private ChatOptions ChatOptions() => new() { MaxOutputTokens = settings.MaxOutputTokens };

    /// <summary>
    /// <c>delegate</c>: runs a focused sub-agent with its own short context and a subset of the tools (never
    /// <c>delegate</c> itself: depth 1), persists its steps under this turn, and returns its answer.
    /// </summary>
    private AIFunction DelegateTool(TurnContext turn, IReadOnlyList<AIFunction> mainTools) => AIFunctionFactory.Create(
        async ([Description("The focused task, with everything the sub-agent needs to know.")] string task,
               [Description("Names of the tools it may use; empty for all except delegate.")] string[]? tools,
               CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(task))
            {
                return (object)new ToolError("Give the sub-agent a task.");
            }
            var allowed = mainTools.Where(t => t.Name != "delegate" && (tools is not { Length: > 0 } || tools.Contains(t.Name, StringComparer.Ordinal))).ToList();
            var unknown = (tools ?? []).Where(n => mainTools.All(t => t.Name != n) || n == "delegate").ToList();
            if (unknown.Count > 0)
            {
                return new ToolError($"Unknown or forbidden tools for a sub-agent: {string.Join(", ", unknown)}.");
            }
            var messages = new List<ChatMessage>
            {
                new(ChatRole.System,
                    $"You are a focused assistant working on one task for a finance assistant. Use your tools, then answer with a concise result the assistant can use. Today is {clock.GetUtcNow():yyyy-MM-dd}."),
                new(ChatRole.User, task),
            };
            using var scope = LlmCallScope.Begin(new LlmCallScope(turn.UserId, turn.Thread.Id, turn.TurnId, "subagent"));
            var observer = new TurnObserver(turn, live, streamId: null, subagentTask: task, clock);
            var result = await new ToolLoop(chat).RunAsync(messages, allowed, ChatOptions(), Math.Min(SubagentMaxIterations, settings.MaxToolIterations), observer, cancellationToken);
            await turn.RecordStepAsync(EventRoles.Assistant, new EventContent { Text = result.Text, Subagent = task }, cancellationToken);
            return new { result = result.Text, steps = result.Iterations };
        },
        "delegate",
        "Hands a focused sub-task (for example a spending analysis over many transactions) to a sub-agent with its own context and a subset of the tools, and returns its result.");

    /// <summary>Persists each step of the loop and streams the answer text to channels that can show it.</summary>
    private sealed class TurnObserver(TurnContext turn, LiveUpdates live, string? streamId, string? subagentTask, TimeProvider clock) : IToolLoopObserver
    {
        private static readonly TimeSpan StreamEvery = TimeSpan.FromMilliseconds(400);
        private DateTimeOffset lastStreamed = DateTimeOffset.MinValue;
        private int sequence;

        public bool Streamed => sequence > 0;

        public async Task OnTextAsync(string textSoFar, CancellationToken cancellationToken)
        {
            if (streamId is null || !live.CanStream(turn.Conversation) || clock.GetUtcNow() - lastStreamed < StreamEvery)
            {
                return;
            }
            var visible = ThinkingFilter.StripPartial(textSoFar);
            if (visible.Length == 0)
            {
                return;
            }
            lastStreamed = clock.GetUtcNow();
            await live.StreamTextAsync(turn.Conversation, streamId, ++sequence, visible, cancellationToken);
        }

        public Task OnToolCallsAsync(string? text, IReadOnlyList<FunctionCallContent> calls, CancellationToken cancellationToken) =>
            turn.RecordStepAsync(EventRoles.Assistant, new EventContent
            {
                Text = text,
                ToolCalls = calls.Select(c => new ToolCallRecord(c.CallId, c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), ToolLoop.Compact))).ToList(),
                Subagent = subagentTask,
            }, cancellationToken);

        public Task OnToolResultAsync(FunctionCallContent call, string result, bool isError, CancellationToken cancellationToken) =>
            turn.RecordStepAsync(EventRoles.Tool, new EventContent
            {
                ToolResult = new ToolResultRecord(call.CallId, call.Name, result, isError),
                Subagent = subagentTask,
            }, cancellationToken);
    }
}
