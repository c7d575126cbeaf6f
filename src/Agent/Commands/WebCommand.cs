using System.Globalization;
using Bot.Pipeline;
using Bot.Pipeline.SignIn;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Commands;

/// <summary>
/// <c>/web</c>: a one-time link that signs the person in to the web app, where their threads, memory, schedules and
/// plans are the same as here. The link is a credential, so it is sent only in a private chat (in a group anyone could
/// open it first) and kept out of the thread's history (and so out of every prompt).
/// </summary>
public sealed class WebCommand(WebSignInLinks links, IOptions<WebSignInOptions> options) : IChatCommand
{
    public const string PrivateOnly =
        "`/web` sends a personal sign-in link, so it works only in a private chat with me: send `/web` to me directly.";

    public const string NotConfigured =
        "The web app's public address is not set, so I cannot make a sign-in link. Whoever runs this service sets `Web:PublicBaseUrl` (for example `https://bot.example.com`).";

    public const string HistoryText = "Sent a one-time sign-in link for the web app (the link itself is not kept in the history).";

    public string Name => "/web";
    public string Usage => "/web";
    public string Summary => "sends a one-time link that signs you in to the web app (private chats only)";
    public int Order => 4;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (turn.Conversation.IsGroup)
        {
            turn.Reply(PrivateOnly);
            return;
        }
        if (!options.Value.CanMakeLinks)
        {
            turn.Reply(NotConfigured);
            return;
        }
        var link = await links.IssueAsync(turn.UserId, cancellationToken);
        var minutes = ((int)WebSignInLinks.Lifetime.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        turn.Reply(
            $"Your sign-in link for the web app: {link.Url}\n\nIt works once, for {minutes} minutes. Do not share it: whoever opens it first is signed in as you.",
            historyText: HistoryText);
    }
}
