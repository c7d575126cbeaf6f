using System.Globalization;
using System.Text;
using Bot.Pipeline.Model;
using Bot.Pipeline.Threads;
using Bot.Pipeline;
using Bot.Agent.Llm;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Commands;

/// <summary>Lists every registered command (resolved when run: the list includes this command itself).</summary>
public sealed class HelpCommand(IServiceProvider services, IOptions<LlmOptions> llm) : IChatCommand
{
    public string Name => "/help";

    public bool IndependentOfEarlierTurns => true;
    public string Usage => "/help";
    public string Summary => "shows this list";
    public int Order => 0;

    public Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder("**What I can do**\n\n");
        var commands = (IEnumerable<IChatCommand>)services.GetService(typeof(IEnumerable<IChatCommand>))!;
        foreach (var command in commands.Where(c => c.Listed).OrderBy(c => c.Order).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            builder.Append(CultureInfo.InvariantCulture, $"- `{command.Usage}` {command.Summary}\n");
        }
        builder.Append(llm.Value.Enabled
            ? "\nAnything else you write goes to the language model: ask in your own words."
            : "\nI am running without a language model, so I answer commands, not free text.");
        turn.Reply(builder.ToString());
        return Task.CompletedTask;
    }
}
