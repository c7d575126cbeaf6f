using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;

namespace Bot.Agent.Commands;

/// <summary>Lists every registered command (resolved when run: the list includes this command itself).</summary>
public sealed class HelpCommand(IServiceProvider services) : IChatCommand
{
    public string Name => "/help";
    public string Usage => "/help";
    public string Summary => "shows this list";
    public int Order => 0;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder("**What I can do**\n\n");
        var commands = (IEnumerable<IChatCommand>)services.GetService(typeof(IEnumerable<IChatCommand>))!;
        foreach (var command in commands.OrderBy(c => c.Order).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            builder.Append(CultureInfo.InvariantCulture, $"- `{command.Usage}` {command.Summary}\n");
        }
        builder.Append("\nI am running without a language model, so I answer commands, not free text.");
        turn.Reply(builder.ToString());
        return Task.CompletedTask;
    }
}

public sealed class NewThreadCommand : IChatCommand
{
    public string Name => "/new";
    public string Usage => "/new";
    public string Summary => "starts a new thread; the old one stays in `/threads`";
    public int Order => 1;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        switch (turn.Message.ThreadMode)
        {
            case ThreadMode.ConversationIsThread:
                turn.Reply("In the web chat every conversation is its own thread: press **New thread** in the sidebar to start one.");
                break;
            case ThreadMode.PlatformThreads:
                turn.Reply("Here every thread of the chat is its own thread: start a new top-level message to begin another.");
                break;
            default:
                turn.StartNewThread();
                turn.Reply("Started a new thread. Your earlier conversation is kept; `/threads` lists it.");
                break;
        }
        return Task.CompletedTask;
    }
}

public sealed class ThreadsCommand(ThreadQueries threads, TimeProvider clock) : IChatCommand
{
    public string Name => "/threads";
    public string Usage => "/threads";
    public string Summary => "lists your recent threads";
    public int Order => 2;

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var recent = await threads.RecentAsync(turn.UserId, 10, cancellationToken);
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
