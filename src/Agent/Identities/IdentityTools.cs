using Bot.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Bot.Agent.Identities;

/// <summary>
/// <c>connected_accounts</c>: which channels' accounts make up the user, so the model can tell the person where their
/// memory and threads are shared and point them at <c>/connect</c>. Not in a group chat (it is private).
/// </summary>
public sealed class IdentityTools(IdentityLinks links) : IToolProvider
{
    public IEnumerable<AIFunction> GetTools(ToolContext context)
    {
        yield return AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) =>
            {
                if (context.IsGroup)
                {
                    return (object)new ToolError("Connected accounts are private: ask in a private chat.");
                }
                var accounts = await links.AccountsAsync(context.UserId, cancellationToken);
                return new
                {
                    accounts = accounts.Select(a => new { channel = a.Channel, name = a.DisplayName }).ToList(),
                    how_to_connect = "Send /connect in one account, then the /connect CODE it answers from the other; /disconnect CHANNEL splits one off.",
                };
            },
            "connected_accounts",
            "Lists the user's chat accounts (channels) that are connected into one person, sharing memory, threads, schedules and plans.");
    }
}
