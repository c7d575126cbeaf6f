using Bot.Pipeline.Actions;

namespace Bot.Agent.Memory;

/// <summary>The confirmation button of <c>/memory clear</c>: the only press the memory has.</summary>
public sealed class MemoryActionHandler(MemoryStore store) : ICardActionHandler
{
    public string Action => MemoryCommand.Command;

    public async Task<CardActionResult> HandleAsync(CardActionRequest request, CancellationToken cancellationToken) =>
        string.Equals(string.Join(' ', request.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)), MemoryCommand.ConfirmArgument, StringComparison.OrdinalIgnoreCase)
            ? new CardActionResult(await MemoryCommand.ClearAsync(store, request.UserId, cancellationToken))
            : new CardActionResult(CardActionRouter.UnknownButton);
}
