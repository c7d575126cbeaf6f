using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;

namespace Bot.Agent.Commands;

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
