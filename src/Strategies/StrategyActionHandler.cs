using Bot.Pipeline.Actions;

namespace Bot.Strategies;

/// <summary>The Pause, Resume and Delete buttons that <c>/strategies</c> puts under each instruction, on every channel.</summary>
public sealed class StrategyActionHandler(StrategyService strategies) : ICardActionHandler
{
    public string Action => StrategyMarkdown.Command;

    public async Task<CardActionResult> HandleAsync(CardActionRequest request, CancellationToken cancellationToken)
    {
        // A button only ever pauses, resumes or deletes one of the clicker's own instructions (found by the clicker's user id).
        var words = request.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 2 && words[0] is "pause" or "resume" or "delete"
            ? new CardActionResult(await strategies.ManageAsync(request.UserId, words[0], words[1], cancellationToken))
            : new CardActionResult(CardActionRouter.UnknownButton);
    }
}
