using System.Runtime.CompilerServices;
using Bot.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Llm.Usage;

/// <summary>
/// Every model call goes through here (the reply's tool loop, sub-agents, titles, facts, summaries). Before a call: the
/// person's tokens today (UTC) against <see cref="LlmOptions.DailyTokensPerPerson"/> and the service's this month
/// against <see cref="LlmOptions.MonthlyTokenBudget"/>; either spent refuses the call with
/// <see cref="LlmBudgetExceededException"/>. After it: the provider's token counts and their estimated cost
/// (<see cref="LlmOptions.Prices"/>) are stored for the scope's person, thread and turn, also when the call failed
/// part way through a stream (what was counted was spent).
/// </summary>
public sealed partial class MeteredChatClient(IChatClient inner, LlmUsageStore usage, IOptions<LlmOptions> llmOptions, TimeProvider clock, ILogger<MeteredChatClient> logger)
    : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await CheckBudgetAsync(cancellationToken);
        var response = await base.GetResponseAsync(messages, options, cancellationToken);
        await RecordAsync(response.ModelId, response.Usage, cancellationToken);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await CheckBudgetAsync(cancellationToken);
        var counted = new UsageDetails();
        string? model = null;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                model ??= update.ModelId;
                foreach (var content in update.Contents.OfType<UsageContent>())
                {
                    counted.Add(content.Details);
                }
                yield return update;
            }
        }
        finally
        {
            // Also when the stream broke off or the turn was cancelled: the tokens counted so far were billed.
            await RecordAsync(model, counted, CancellationToken.None);
        }
    }

    private async Task CheckBudgetAsync(CancellationToken cancellationToken)
    {
        var settings = llmOptions.Value;
        if (settings.DailyTokensPerPerson <= 0 && settings.MonthlyTokenBudget <= 0)
        {
            return;
        }
        var scope = LlmCallScope.Current;
        var now = clock.GetUtcNow();
        var (person, service) = await usage.SpentAsync(scope?.UserId, LlmUsageStore.DayStart(now), LlmUsageStore.Month(now), cancellationToken);
        if (settings.MonthlyTokenBudget > 0 && service >= settings.MonthlyTokenBudget)
        {
            LogRefused(logger, "the service's monthly token budget", service, settings.MonthlyTokenBudget);
            throw new LlmBudgetExceededException(
                "The assistant's language model has used this month's budget, so I can't answer free-form questions until the month turns (UTC) or the operator raises it. Commands still work: send /help.");
        }
        if (settings.DailyTokensPerPerson > 0 && scope?.UserId is not null && person >= settings.DailyTokensPerPerson)
        {
            LogRefused(logger, "a person's daily token allowance", person, settings.DailyTokensPerPerson);
            throw new LlmBudgetExceededException(
                $"You have used today's allowance of the language model ({settings.DailyTokensPerPerson:N0} tokens), so I can't answer free-form questions until midnight UTC. Commands still work: send /help, and /usage shows what you used.");
        }
    }

    private async Task RecordAsync(string? responseModel, UsageDetails? details, CancellationToken cancellationToken)
    {
        var input = details?.InputTokenCount ?? 0;
        var output = details?.OutputTokenCount ?? 0;
        if (input == 0 && output == 0)
        {
            return;
        }
        var settings = llmOptions.Value;
        var model = settings.Model ?? responseModel ?? "unknown";
        var cost = settings.Prices.TryGetValue(model, out var price) ? price.Cost(input, output) : (decimal?)null;
        BotTelemetry.ModelTokens.Add(input, new("model", model), new("direction", "input"));
        BotTelemetry.ModelTokens.Add(output, new("model", model), new("direction", "output"));
        if (cost is { } usd)
        {
            BotTelemetry.ModelCost.Add((double)usd, new KeyValuePair<string, object?>("model", model));
        }
        try
        {
            await usage.RecordAsync(LlmCallScope.Current, model, input, output, cost, clock.GetUtcNow(), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The answer is not lost over its bookkeeping; the gap is logged (counts only, no text).
            LogNotRecorded(logger, exception, model, input, output);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model call refused: {Budget} is spent ({Spent} of {Limit} tokens)")]
    private static partial void LogRefused(ILogger logger, string budget, long spent, long limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model usage not recorded ({Model}: {Input} in, {Output} out)")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string model, long input, long output);
}
