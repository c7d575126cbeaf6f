using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;
using ChatFinishReason = Microsoft.Extensions.AI.ChatFinishReason;

namespace Bot.Agent.Llm;

/// <summary>
/// <see cref="IChatClient"/> over the official OpenAI package's Chat Completions client (Microsoft's adapter
/// package does not restore here). Maps messages, tools, tool calls and streamed deltas both ways.
/// </summary>
public sealed class OpenAIChatClient(ChatClient client, string model) : IChatClient
{
    public static OpenAIChatClient Create(string apiKey, string model, string? baseUrl)
    {
        // A retry policy of our own: the shared ClientRetryPolicy.Default of System.ClientModel 1.16 has a zero initial
        // delay (its static initializer runs before the 0.8 s default it reads), so it re-sent a 429 three times within
        // a few milliseconds. A new instance backs off as designed: 0.8 s, 1.6 s, 3.2 s, or longer when Retry-After says so.
        var options = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy() };
        if (!string.IsNullOrEmpty(baseUrl))
        {
            options.Endpoint = new Uri(baseUrl);
        }
        return new OpenAIChatClient(new ChatClient(model, new ApiKeyCredential(apiKey), options), model);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var completion = (await client.CompleteChatAsync(ToOpenAI(messages), ToOpenAI(options), cancellationToken)).Value;
        var contents = new List<AIContent>();
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        if (text.Length > 0)
        {
            contents.Add(new TextContent(text));
        }
        foreach (var call in completion.ToolCalls)
        {
            contents.Add(ToFunctionCall(call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        }
        return new ChatResponse(new AIChatMessage(AIChatRole.Assistant, contents))
        {
            ModelId = completion.Model,
            ResponseId = completion.Id,
            FinishReason = ToFinishReason(completion.FinishReason),
            Usage = completion.Usage is { } usage ? new UsageDetails { InputTokenCount = usage.InputTokenCount, OutputTokenCount = usage.OutputTokenCount } : null,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        string? responseId = null;
        await foreach (var update in client.CompleteChatStreamingAsync(ToOpenAI(messages), ToOpenAI(options), cancellationToken))
        {
            responseId ??= update.CompletionId;
            foreach (var part in update.ContentUpdate)
            {
                if (!string.IsNullOrEmpty(part.Text))
                {
                    yield return new ChatResponseUpdate(AIChatRole.Assistant, part.Text) { ResponseId = responseId, ModelId = update.Model };
                }
            }
            foreach (var delta in update.ToolCallUpdates)
            {
                var entry = calls.TryGetValue(delta.Index, out var existing) ? existing : (null, null, new StringBuilder());
                entry.Id ??= delta.ToolCallId;
                entry.Name ??= delta.FunctionName;
                if (delta.FunctionArgumentsUpdate is { } arguments && !arguments.ToMemory().IsEmpty)
                {
                    entry.Arguments.Append(arguments.ToString());
                }
                calls[delta.Index] = entry;
            }
            if (update.FinishReason is { } reason)
            {
                finish = ToFinishReason(reason);
            }
        }
        if (calls.Count > 0 || finish is not null)
        {
            var contents = calls.Values
                .Where(c => c.Name is not null)
                .Select(c => (AIContent)ToFunctionCall(c.Id ?? Guid.NewGuid().ToString("N"), c.Name!, c.Arguments.ToString()))
                .ToList();
            yield return new ChatResponseUpdate(AIChatRole.Assistant, contents) { ResponseId = responseId, FinishReason = finish };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, model)
        : null;

    public void Dispose()
    {
    }

    private static FunctionCallContent ToFunctionCall(string id, string name, string argumentsJson)
    {
        try
        {
            var arguments = string.IsNullOrWhiteSpace(argumentsJson) ? new Dictionary<string, object?>() : JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson);
            return new FunctionCallContent(id, name, arguments);
        }
        catch (JsonException exception)
        {
            return new FunctionCallContent(id, name) { Exception = exception };
        }
    }

    private static ChatFinishReason? ToFinishReason(OpenAI.Chat.ChatFinishReason reason) => reason switch
    {
        OpenAI.Chat.ChatFinishReason.Stop => ChatFinishReason.Stop,
        OpenAI.Chat.ChatFinishReason.Length => ChatFinishReason.Length,
        OpenAI.Chat.ChatFinishReason.ToolCalls or OpenAI.Chat.ChatFinishReason.FunctionCall => ChatFinishReason.ToolCalls,
        OpenAI.Chat.ChatFinishReason.ContentFilter => ChatFinishReason.ContentFilter,
        _ => null,
    };

    private static ChatCompletionOptions ToOpenAI(ChatOptions? options)
    {
        var result = new ChatCompletionOptions();
        if (options is null)
        {
            return result;
        }
        result.MaxOutputTokenCount = options.MaxOutputTokens;
        result.Temperature = options.Temperature;
        foreach (var tool in options.Tools?.OfType<AIFunctionDeclaration>() ?? [])
        {
            result.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.JsonSchema.GetRawText())));
        }
        if (result.Tools.Count > 0)
        {
            result.ToolChoice = options.ToolMode is NoneChatToolMode ? ChatToolChoice.CreateNoneChoice() : ChatToolChoice.CreateAutoChoice();
        }
        return result;
    }

    private static List<OpenAIChatMessage> ToOpenAI(IEnumerable<AIChatMessage> messages)
    {
        var result = new List<OpenAIChatMessage>();
        foreach (var message in messages)
        {
            if (message.Role == AIChatRole.System)
            {
                result.Add(new SystemChatMessage(message.Text));
            }
            else if (message.Role == AIChatRole.User)
            {
                result.Add(new UserChatMessage(message.Text));
            }
            else if (message.Role == AIChatRole.Assistant)
            {
                var calls = message.Contents.OfType<FunctionCallContent>()
                    .Select(c => ChatToolCall.CreateFunctionToolCall(c.CallId, c.Name, BinaryData.FromString(JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), ToolLoop.Compact))))
                    .ToList();
                var assistant = calls.Count > 0 ? new AssistantChatMessage(calls) : new AssistantChatMessage(message.Text);
                if (calls.Count > 0 && !string.IsNullOrEmpty(message.Text))
                {
                    assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Text));
                }
                result.Add(assistant);
            }
            else if (message.Role == AIChatRole.Tool)
            {
                foreach (var output in message.Contents.OfType<FunctionResultContent>())
                {
                    var text = output.Result switch
                    {
                        null => "null",
                        string s => s,
                        JsonElement e => e.GetRawText(),
                        var other => JsonSerializer.Serialize(other, ToolLoop.Compact),
                    };
                    result.Add(new ToolChatMessage(output.CallId, text));
                }
            }
        }
        return result;
    }
}
