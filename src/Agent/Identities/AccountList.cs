namespace Bot.Agent.Identities;

/// <summary>A person's accounts in words: <c>`telegram` (this one), `web`</c>.</summary>
public static class AccountList
{
    public static string Describe(IReadOnlyList<ConnectedAccount> accounts, string channel, string platformUserId) =>
        string.Join(", ", accounts.Select(a =>
            $"`{a.Channel}`" + (a.Channel == channel && a.PlatformUserId == platformUserId ? " (this one)" : string.Empty)));
}
