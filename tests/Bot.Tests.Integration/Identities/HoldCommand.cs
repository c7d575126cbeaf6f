using Bot.Agent.Commands;
using Bot.Agent.Memory;
using Bot.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration.Identities;

/// <summary>
/// <c>/hold NOTE</c>, a test command: the turn waits at <see cref="Gate"/> until the test lets it go, then remembers NOTE for
/// the turn's user and answers. It stands for any turn still running when its person is joined into another.
/// </summary>
public sealed class HoldCommand(MemoryStore memory, HoldCommand.Gate gate) : IChatCommand
{
    public sealed class Gate
    {
        public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Released { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Reset()
        {
            Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public string Name => "/hold";
    public string Usage => "/hold NOTE";
    public string Summary => "test: waits, then remembers NOTE";

    public async Task RunAsync(TurnContext turn, string argument, CancellationToken cancellationToken)
    {
        gate.Entered.TrySetResult();
        await gate.Released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        await memory.AddAsync(turn.UserId, "fact", argument, turn.Thread.Id, cancellationToken);
        turn.Reply("Held, then noted: " + argument);
    }
}

/// <summary>An ingest-only host (the test runs the turns) with <see cref="HoldCommand"/>.</summary>
public sealed class HoldingFactory : IngestOnlyFactory
{
    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton<HoldCommand.Gate>();
        services.AddScoped<IChatCommand, HoldCommand>();
    }
}
