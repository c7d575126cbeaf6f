using Bot.Pipeline.Model;
using Bot.Storage.Entities;

namespace Bot.Pipeline;

/// <summary>The agent's entry point for one turn: the command agent, or the LLM agent when a model is configured.</summary>
public interface ITurnHandler
{
    Task HandleAsync(TurnContext turn, CancellationToken cancellationToken);
}
