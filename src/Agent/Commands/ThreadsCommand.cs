using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;

namespace Bot.Agent.Commands;

public sealed class ThreadsCommand(ThreadQueries threads, TimeProvider clock) : IChatCommand
{
    public string Name => "/threads";
    public string Usage => "/threads";
    public string Summary => "lists your recent threads";
    public int Order => 2;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        // The person's threads from every connected channel; in a group chat only this chat's (the titles of private
        // threads are private).
        var recent = turn.Conversation.IsGroup
            ? (await threads.RecentAsync(turn.UserId, 100, cancellationToken))
                .Where(t => t.Channel == turn.Conversation.Channel && t.ConversationAddress == turn.Conversation.Address).Take(10).ToList()
            : await threads.RecentAsync(turn.UserId, 10, cancellationToken);
        var builder = new StringBuilder("**Your recent threads**\n\n");
        var now = clock.GetUtcNow();
        foreach (var thread in recent)
        {
            var marker = thread.Id == turn.Thread.Id ? " (this thread)" : string.Empty;
            builder.Append(CultureInfo.InvariantCulture, $"- {thread.Title}{marker} · {thread.Channel} · {Ago(now - thread.UpdatedAt)}\n");
        }
        turn.Reply(builder.ToString().TrimEnd());
    }

    private static string Ago(TimeSpan elapsed) => elapsed switch
    {
        { TotalMinutes: < 1 } => "just now",
        { TotalHours: < 1 } => $"{(int)elapsed.TotalMinutes} min ago",
        { TotalDays: < 1 } => $"{(int)elapsed.TotalHours} h ago",
        _ => $"{(int)elapsed.TotalDays} d ago",
    };
}
