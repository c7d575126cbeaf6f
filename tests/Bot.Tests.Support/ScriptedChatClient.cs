using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Bot.Tests.Support;

/// <summary>An <see cref="IChatClient"/> that answers from a script and records what it was asked.</summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>> script = new();

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public ScriptedChatClient Then(ChatResponse response)
    {
        script.Enqueue((_, _, _) => Task.FromResult(response));
        return this;
    }

    public ScriptedChatClient Then(Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>> answer)
    {
        script.Enqueue(answer);
        return this;
    }

    public static ChatResponse Text(string text) => new(new ChatMessage(ChatRole.Assistant, text));

    /// <summary>A text answer that streams in pieces with a pause before each, as a real model's does.</summary>
    public ScriptedChatClient ThenStreamed(TimeSpan pause, params string[] pieces)
    {
        streamed.Enqueue((pause, pieces));
        script.Enqueue((_, _, _) => Task.FromResult(Text(string.Concat(pieces))));
        return this;
    }

    private readonly Queue<(TimeSpan Pause, string[] Pieces)> streamed = new();

    public static ChatResponse ToolCalls(params (string Id, string Name, Dictionary<string, object?>? Arguments)[] calls) =>
        new(new ChatMessage(ChatRole.Assistant, calls.Select(c => (AIContent)new FunctionCallContent(c.Id, c.Name, c.Arguments)).ToList()));

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var snapshot = messages.Select(m => m.Clone()).ToList();
        Calls.Add((snapshot, options?.Clone()));
        if (script.Count == 0)
        {
            throw new InvalidOperationException($"The script has no answer for call {Calls.Count}.");
        }
        return await script.Dequeue()(snapshot, options, cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pieces = streamed.Count > 0 && script.Count == streamed.Count ? streamed.Dequeue() : default;
        var response = await GetResponseAsync(messages, options, cancellationToken);
        if (pieces.Pieces is { } chunks)
        {
            foreach (var chunk in chunks)
            {
                await Task.Delay(pieces.Pause, cancellationToken);
                yield return new ChatResponseUpdate(ChatRole.Assistant, chunk);
            }
            yield break;
        }
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
