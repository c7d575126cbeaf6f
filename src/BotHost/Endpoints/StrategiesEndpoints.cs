using Bot.Channels.Access;
using Bot.Channels.Web;
using Bot.Strategies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bot.BotHost.Endpoints;

/// <summary>
/// The caller's standing instructions for the web (issue 19): state, last evaluation, last outcome, next evaluation.
/// Person policy, the caller's own only (a caller with no user yet has none). Read-only: changes go through the chat,
/// where the buttons and commands are.
/// </summary>
public static class StrategiesEndpoints
{
    public sealed record StrategyDto(
        string Id, string Kind, string Title, bool Enabled, string State, string? LastEvaluation, string? LastOutcome, DateTimeOffset? LastOutcomeAt,
        string? LastPlan, Guid? LastThreadId, DateTimeOffset? NextEvaluation, DateTimeOffset CreatedAt);

    public static IEndpointRouteBuilder MapStrategiesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/strategies", ListAsync).WithTags("Strategies").RequireAuthorization(AccessPolicies.Person)
            .WithSummary("The caller's alerts, recurring buys and rebalancing instructions with their status.");
        return endpoints;
    }

    private static async Task<Ok<List<StrategyDto>>> ListAsync(HttpContext context, WebCallers callers, StrategyService strategies, CancellationToken cancellationToken)
    {
        var owner = WebCaller.From(context.User) is { } caller ? await callers.UserIdAsync(caller, cancellationToken) : null;
        if (owner is null)
        {
            return TypedResults.Ok(new List<StrategyDto>());
        }
        var views = await strategies.ListAsync(owner.Value, cancellationToken);
        return TypedResults.Ok(views.Select(v => new StrategyDto(
            v.Code, v.Strategy.Spec.Kind.ToString(), v.Strategy.Title, v.Strategy.Enabled, v.State, v.LastEvaluation, v.LastOutcome, v.Strategy.LastOutcomeAt,
            v.Strategy.LastPlan, v.Strategy.LastThreadId, v.NextEvaluation, v.Strategy.CreatedAt)).ToList());
    }
}
