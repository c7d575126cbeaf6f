using System.ComponentModel;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Bot.Agent.Memory;

/// <summary><c>remember</c>, <c>forget</c> and <c>list_memory</c>, always for the user of the turn, and only in a private chat.</summary>
public sealed class MemoryTools(MemoryStore store) : IToolProvider
{
    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        // A group chat never receives the person's private memory: no tool there lists, forgets (which answers with the
        // text it removed) or adds to it.
        if (context.IsGroup)
        {
            yield break;
        }
        yield return AIFunctionFactory.Create(
            async ([Description("The fact or preference, as a short sentence about the user.")] string content,
                   [Description("fact or preference")] string kind,
                   CancellationToken cancellationToken) =>
            {
                try
                {
                    var added = await store.AddAsync(context.UserId, kind, content, context.ThreadId, cancellationToken);
                    return added is null ? (object)new { remembered = false, reason = "already remembered" } : new { remembered = true, id = added.Id };
                }
                catch (ArgumentException exception)
                {
                    return new ToolError(exception.Message);
                }
            },
            "remember",
            "Saves a durable fact or preference about the user (for example their risk tolerance or base currency) so later conversations know it. Only for things the user would want remembered.");

        yield return AIFunctionFactory.Create(
            async ([Description("Words that appear in the memory to forget.")] string match, CancellationToken cancellationToken) =>
            {
                if (string.IsNullOrWhiteSpace(match))
                {
                    return (object)new ToolError("Say which memory to forget.");
                }
                var removed = await store.ForgetAsync(context.UserId, match, cancellationToken);
                return new { forgotten = removed };
            },
            "forget",
            "Deletes the user's memories that contain the given words.");

        yield return AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) =>
                (await store.ListAsync(context.UserId, cancellationToken)).Select(m => new { m.Kind, m.Content, m.CreatedAt }).ToList(),
            "list_memory",
            "Lists what is remembered about the user.");
    }
}
