using Microsoft.Extensions.AI;
using Bot.Pipeline;

namespace Bot.Agent.Tools;

/// <summary>Who a tool acts for and where: tools never take the user from the model's arguments.</summary>
public sealed record ToolContext(Guid UserId, Guid ThreadId, Guid ConversationId, string Channel, bool IsGroup, TurnContext Turn)
{
    public static ToolContext For(TurnContext turn) =>
        new(turn.UserId, turn.Thread.Id, turn.Conversation.Id, turn.Conversation.Channel, turn.Conversation.IsGroup, turn);
}

/// <summary>
/// Contributes tools for one turn. The same <see cref="AIFunction"/>s serve the language model's tool loop and the
/// command agent, so a command and the model's tool call do exactly the same thing.
/// </summary>
public interface IToolProvider
{
    IEnumerable<AIFunction> GetTools(ToolContext context);
}

/// <summary>What a tool returns when it cannot do what was asked: a clear message for the model or the user, never an exception.</summary>
public sealed record ToolError(string Error);
