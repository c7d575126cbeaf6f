namespace Bot.Agent.Llm.Usage;

/// <summary>
/// Whose model calls these are: the person, thread and turn the calls in this async flow serve, and why (the reply,
/// a sub-agent, the work after a reply). <see cref="MeteredChatClient"/> reads it to charge and to check budgets; a call
/// outside any scope is the service's own.
/// </summary>
public sealed record LlmCallScope(Guid? UserId, Guid? ThreadId, Guid? TurnId, string Purpose)
{
    private static readonly AsyncLocal<LlmCallScope?> CurrentScope = new();

    public static LlmCallScope? Current => CurrentScope.Value;

    /// <summary>Sets the scope until the returned handle is disposed (the previous one comes back).</summary>
    public static IDisposable Begin(LlmCallScope scope)
    {
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope;
        return new Restore(previous);
    }

    private sealed class Restore(LlmCallScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}

/// <summary>A model call refused because a token budget is spent; <see cref="Exception.Message"/> says which, for the person.</summary>
public sealed class LlmBudgetExceededException(string message) : Exception(message);
