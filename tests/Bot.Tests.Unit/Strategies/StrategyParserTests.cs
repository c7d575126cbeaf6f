using Bot.Strategies;

namespace Bot.Tests.Unit.Strategies;

/// <summary><c>/alert</c>, <c>/dca</c> and <c>/rebalance</c> arguments: what they become, and what bad input is told.</summary>
public class StrategyParserTests
{
    [Theory]
    [InlineData("AAPL below 180", "AAPL", AlertCondition.Below, 180)]
    [InlineData("msft above 450.5", "MSFT", AlertCondition.Above, 450.5)]
    [InlineData("$VTI moves 3%", "VTI", AlertCondition.Moves, 3)]
    public void Alerts_parse(string argument, string symbol, AlertCondition condition, decimal threshold)
    {
        var (spec, error) = StrategyParser.ParseAlert(argument);
        Assert.Null(error);
        Assert.Equal(new AlertSpec(symbol, condition, threshold), spec!.Alert);
        Assert.Equal(StrategyKind.Alert, spec.Kind);
    }

    [Fact]
    public void An_alert_may_carry_the_order_a_firing_proposes()
    {
        var spec = StrategyParser.ParseAlert("IBM below 180 buy 5").Spec!;
        Assert.Equal(new AlertSpec("IBM", AlertCondition.Below, 180, Bot.Finance.Broker.OrderSide.Buy, 5), spec.Alert);
        Assert.Equal("Alert: IBM below 180.00, then buy 5", spec.Title);
        Assert.Contains("'hold' is not an order", StrategyParser.ParseAlert("IBM below 180 hold 5").Error, StringComparison.Ordinal);
        Assert.Contains("'-5' is not a quantity", StrategyParser.ParseAlert("IBM below 180 sell -5").Error, StringComparison.Ordinal);
        Assert.Contains("Say it as", StrategyParser.ParseAlert("IBM below 180 sell").Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AAPL below", "Say it as")]
    [InlineData("AAPL sideways 10", "'sideways' is not a condition")]
    [InlineData("123$ below 10", "is not a ticker symbol")]
    [InlineData("AAPL below -5", "is not a price")]
    [InlineData("AAPL below 0", "out of range")]
    [InlineData("AAPL below 2000000", "out of range")]
    [InlineData("VTI moves 3", "is not a percentage")]
    [InlineData("VTI moves 75%", "out of range")]
    public void Bad_alerts_name_the_problem(string argument, string expected)
    {
        var (spec, error) = StrategyParser.ParseAlert(argument);
        Assert.Null(spec);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500 VTI monthly 1", 500, "VTI", Cadence.Monthly, 1)]
    [InlineData("250.50 voo weekly fri", 250.50, "VOO", Cadence.Weekly, 5)]
    [InlineData("100 SPY daily", 100, "SPY", Cadence.Daily, 0)]
    [InlineData("100 SPY monthly 31", 100, "SPY", Cadence.Monthly, 31)]
    public void Recurring_buys_parse(string argument, decimal amount, string symbol, Cadence cadence, int day)
    {
        var (spec, error) = StrategyParser.ParseDca(argument);
        Assert.Null(error);
        Assert.Equal(new DcaSpec(amount, symbol, cadence, day), spec!.Dca);
    }

    [Theory]
    [InlineData("0 VTI daily", "out of range")]
    [InlineData("5000000 VTI daily", "out of range")]
    [InlineData("abc VTI daily", "is not an amount")]
    [InlineData("500 VTI weekly sat", "weekday from `mon` to `fri`")]
    [InlineData("500 VTI monthly 32", "day of the month from 1 to 31")]
    [InlineData("500 VTI monthly", "day of the month from 1 to 31")]
    [InlineData("500 VTI hourly", "is not a cadence")]
    [InlineData("500 VTI daily 3", "takes no day")]
    public void Bad_recurring_buys_name_the_problem(string argument, string expected)
    {
        var (spec, error) = StrategyParser.ParseDca(argument);
        Assert.Null(spec);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rebalancing_parses_targets_and_tolerance()
    {
        var (spec, error) = StrategyParser.ParseRebalance("VTI 60 BND 40 drift 5");
        Assert.Null(error);
        Assert.Equal([new TargetWeight("VTI", 60), new TargetWeight("BND", 40)], spec!.Rebalance!.Targets);
        Assert.Equal(5m, spec.Rebalance.Tolerance);
        Assert.Equal(StrategyParser.DefaultTolerance, StrategyParser.ParseRebalance("VTI 33.3 BND 33.3 VXUS 33.4").Spec!.Rebalance!.Tolerance);
    }

    [Theory]
    [InlineData("VTI 60 BND 30 drift 5", "add up to 90%, not 100%")]
    [InlineData("VTI 60 BND 50", "add up to 110%, not 100%")]
    [InlineData("VTI 60 VTI 40", "VTI is named twice")]
    [InlineData("VTI 100", "at least two symbols")]
    [InlineData("VTI 60 BND 40 drift 0", "out of range")]
    [InlineData("VTI 60 BND 40 drift 80", "out of range")]
    [InlineData("VTI 60 B@D 40", "'B@D' is not a ticker symbol")]
    [InlineData("VTI 160 BND -60", "VTI's target of 160% is out of range")]
    [InlineData("VTI 60 BND -40", "'-40' is not a percentage for BND")]
    [InlineData("VTI 0 BND 100", "out of range")]
    [InlineData("VTI 60 drift 5 BND 40", "The tolerance comes last")]
    public void Bad_rebalancing_names_the_problem(string argument, string expected)
    {
        var (spec, error) = StrategyParser.ParseRebalance(argument);
        Assert.Null(spec);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_survives_its_json_and_titles_itself()
    {
        var spec = StrategyParser.ParseRebalance("VTI 60 BND 40 drift 5").Spec!;
        var again = StrategySpec.FromJson(spec.ToJson());
        Assert.Equal(spec.Rebalance!.Targets, again.Rebalance!.Targets);
        Assert.Equal("Rebalance: VTI 60% / BND 40% (±5 pts)", again.Title);
        Assert.Equal("Alert: AAPL below 180.00", StrategyParser.ParseAlert("AAPL below 180").Spec!.Title);
        Assert.Equal("Recurring buy: 500 USD of VTI monthly on day 1", StrategyParser.ParseDca("500 VTI monthly 1").Spec!.Title);
    }
}
