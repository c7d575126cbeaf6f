using Bot.Strategies;

namespace Bot.Tests.Unit.Strategies;

/// <summary>An alert crossing back and forth fires once per crossing, with hysteresis.</summary>
public class AlertRuleTests
{
    private static List<int> FiringsOver(AlertSpec alert, decimal[] prices, decimal? open = null)
    {
        var armed = true;
        var fired = new List<int>();
        for (var i = 0; i < prices.Length; i++)
        {
            var check = AlertRule.Check(alert, armed, prices[i], open, hysteresisPercent: 0.5m);
            if (check.Fires)
            {
                fired.Add(i);
            }
            armed = check.Armed;
        }
        return fired;
    }

    [Fact]
    public void Below_fires_once_per_crossing_and_re_arms_past_the_band()
    {
        // 180 with a 0.5 % band: re-arms at 180.90 or above.
        decimal[] prices = [185, 181, 179.5m, 179, 180.2m, 179.9m, 180.5m, 179, 181, 179.99m, 178];
        Assert.Equal([2, 9], FiringsOver(new AlertSpec("AAPL", AlertCondition.Below, 180), prices));
    }

    [Fact]
    public void Above_fires_once_per_crossing()
    {
        decimal[] prices = [440, 451, 455, 449, 452, 447.7m, 450, 460];
        Assert.Equal([1, 6], FiringsOver(new AlertSpec("MSFT", AlertCondition.Above, 450), prices));
    }

    [Fact]
    public void An_alert_already_across_when_set_fires_at_its_first_check()
    {
        Assert.Equal([0], FiringsOver(new AlertSpec("AAPL", AlertCondition.Below, 180), [170, 171, 169]));
    }

    [Fact]
    public void A_move_counts_either_way_from_the_open()
    {
        // 3 % from 100: fires at 97, re-arms within 2.5 %, fires again at 103.5.
        decimal[] prices = [100, 98, 97, 96, 97.2m, 98, 103.5m, 104];
        Assert.Equal([2, 6], FiringsOver(new AlertSpec("VTI", AlertCondition.Moves, 3), prices, open: 100));
        Assert.Empty(FiringsOver(new AlertSpec("VTI", AlertCondition.Moves, 3), [90, 110], open: null));
    }
}
