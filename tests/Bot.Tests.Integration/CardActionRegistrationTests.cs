using Bot.Agent.Memory;
using Bot.Finance.Trading;
using Bot.Pipeline.Actions;
using Bot.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>
/// Every action the bot puts on a button has exactly one registered handler in the host as composed: a button whose
/// handler is missing would only say "not one I know" when pressed.
/// </summary>
public class CardActionRegistrationTests(BotAppFactory app) : IClassFixture<BotAppFactory>
{
    [Fact]
    public void Each_button_action_has_one_handler()
    {
        using var scope = app.Services.CreateScope();
        var actions = scope.ServiceProvider.GetServices<ICardActionHandler>().Select(h => h.Action).ToList();
        Assert.Equal(actions.Distinct(StringComparer.Ordinal).Count(), actions.Count);
        Assert.Equal(
            new[] { MemoryCommand.Command, PlanCards.Command, ScheduleMarkdown.Command, Bot.Strategies.StrategyMarkdown.Command }.Order(StringComparer.Ordinal),
            actions.Order(StringComparer.Ordinal));
        // The router is built from the same registrations.
        Assert.NotNull(scope.ServiceProvider.GetRequiredService<CardActionRouter>());
    }
}
