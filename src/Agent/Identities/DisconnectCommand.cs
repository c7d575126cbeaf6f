using Bot.Agent.Commands;
using Bot.Pipeline;

namespace Bot.Agent.Identities;

/// <summary>
/// <c>/disconnect CHANNEL</c> splits the person's accounts on that channel off into a person of their own again. They
/// take along the threads of that channel's conversations (with the trade plans proposed in them) and the schedules
/// that deliver there; memory, time zone, bank links, the paper account and everything else stay. The last channel
/// cannot be disconnected. Only in a private chat, like <c>/connect</c>.
/// </summary>
public sealed class DisconnectCommand(IdentityLinks links) : IChatCommand
{
    public string Name => "/disconnect";
    public string Usage => "/disconnect CHANNEL";
    public string Summary => "splits your account on that channel off again (it keeps its own threads there; memory and the rest stay)";
    public int Order => 41;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (turn.Conversation.IsGroup)
        {
            turn.Reply("`/disconnect` works only in a private chat with me.");
            return;
        }
        var channel = turn.Conversation.Channel;
        var platformUserId = turn.Message.From.PlatformUserId;
        var target = argument.Trim().Trim('`').ToLowerInvariant();
        if (target.Length == 0)
        {
            turn.Reply($"Say which channel to disconnect, for example `/disconnect {channel}`. Connected now: {await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken)}.");
            return;
        }
        var result = await links.DisconnectAsync(channel, platformUserId, target, cancellationToken);
        turn.Reply(result.Status switch
        {
            DisconnectStatus.Split =>
                $"Disconnected `{target}`: that account is a person of its own again. It took along its {result.Threads} thread(s) there, "
                + $"{result.TradePlans} trade plan(s) proposed in them and {result.Schedules} schedule(s) that deliver there; memory, time zone, "
                + $"bank links and the paper account stay with your other accounts. Connected now: {await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken)}.",
            DisconnectStatus.NotConnected =>
                $"No `{target}` account is connected to you. Connected now: {await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken)}.",
            DisconnectStatus.Last =>
                $"`{target}` is the only channel you have, so there is nothing to disconnect it from.",
            _ => throw new InvalidOperationException($"Unknown disconnect status {result.Status}."),
        });
    }
}
