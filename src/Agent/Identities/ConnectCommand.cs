using System.Globalization;
using Bot.Agent.Commands;
using Bot.Pipeline;

namespace Bot.Agent.Identities;

/// <summary>
/// <c>/connect</c> answers with a one-time code and the accounts already connected; <c>/connect CODE</c> sent from another
/// account joins the two into one person (the account that sends the code keeps its user; see <see cref="IdentityLinks"/>).
/// Only in a private chat: a group chat never sees a code, and a code pasted into one is voided, since others read it.
/// (Answering a group's <c>/connect</c> privately would need each platform's private-reply mechanics, which are not wired.)
/// </summary>
public sealed class ConnectCommand(IdentityLinks links) : IChatCommand
{
    public const string Command = "/connect";

    public string Name => Command;
    public string Usage => "/connect [CODE]";
    public string Summary => "connects your accounts on other channels into one person: `/connect` gives a one-time code, `/connect CODE` sent from the other account joins them";
    public int Order => 40;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        if (turn.Conversation.IsGroup)
        {
            var voided = argument.Length > 0 && await links.VoidAsync(argument, cancellationToken);
            turn.Reply(voided
                ? "`/connect` works only in a private chat with me. Others in this chat have seen that code, so it is void now: send `/connect` in a private chat for a new one."
                : "`/connect` works only in a private chat with me, so that nobody else sees your code. Send it to me directly.");
            return;
        }
        if (turn.Message.ScheduleId is not null)
        {
            turn.Reply("`/connect` cannot run from a schedule: send it yourself.");
            return;
        }

        var channel = turn.Conversation.Channel;
        var platformUserId = turn.Message.From.PlatformUserId;
        if (argument.Length == 0)
        {
            var issued = await links.IssueAsync(channel, platformUserId, cancellationToken);
            var accounts = await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken);
            turn.Reply(
                $"To connect another account to this one, send this message to me from that account within {(int)ConnectCode.Lifetime.TotalMinutes} minutes:\n\n"
                + $"`{Command} {issued.Code}`\n\n"
                + $"The code works once. Connected now: {accounts}.");
            return;
        }

        var result = await links.RedeemAsync(channel, platformUserId, argument, turn.TurnId, cancellationToken);
        turn.Reply(result.Status switch
        {
            RedeemStatus.Joined =>
                "Connected: your accounts are one person now. Memory, threads, schedules, trade plans and your time zone are shared by all of them. "
                + $"Connected now: {await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken)}.",
            RedeemStatus.AlreadyJoined =>
                $"This account is already connected to the one that asked for that code. Connected now: {await links.DescribeAccountsAsync(channel, platformUserId, cancellationToken)}.",
            RedeemStatus.SameAccount =>
                "That code came from this very account. Send it from the other account you want to connect.",
            RedeemStatus.Invalid => "That is not a valid code. " + TriesLeft(result),
            RedeemStatus.Expired => $"That code has expired (codes last {(int)ConnectCode.Lifetime.TotalMinutes} minutes). Send `/connect` in your other account for a new one. " + TriesLeft(result),
            RedeemStatus.Spent => "That code was already used or replaced by a newer one. Send `/connect` in your other account for a new one. " + TriesLeft(result),
            RedeemStatus.RateLimited =>
                $"Too many wrong codes from this account. Try again in {Minutes(result.RetryAfter)}.",
            RedeemStatus.Busy =>
                "Too many wrong codes are being tried right now. Try again in a minute.",
            _ => throw new InvalidOperationException($"Unknown redeem status {result.Status}."),
        });
    }

    private static string TriesLeft(RedeemResult result) => result.TriesLeft switch
    {
        0 => $"That was the last try for now: this account can try again in {Minutes(ConnectRateLimit.AccountWindow)}.",
        1 => "One more try is left for now.",
        var n => string.Create(CultureInfo.InvariantCulture, $"{n} more tries are left for now."),
    };

    private static string Minutes(TimeSpan wait)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
        return minutes == 1 ? "about a minute" : string.Create(CultureInfo.InvariantCulture, $"about {minutes} minutes");
    }
}
