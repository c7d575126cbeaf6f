using Bot.Finance.Broker;

namespace Bot.Strategies;

/// <summary>A recurring buy's order: whole shares at the ask, commission included, within the amount.</summary>
public readonly record struct DcaOrder(decimal Shares, decimal LimitPrice, decimal Cost, decimal Commission, decimal CashLeft);

public static class DcaSizer
{
    /// <summary>The most whole shares whose cost and commission fit in <paramref name="amount"/> (0 shares when one does not fit).</summary>
    public static DcaOrder Size(decimal amount, decimal ask)
    {
        if (ask <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ask), "A price must be positive.");
        }
        var shares = Math.Floor(amount / ask);
        while (shares > 0 && Total(shares, ask) > amount)
        {
            shares--;
        }
        if (shares == 0)
        {
            return new DcaOrder(0, ask, 0, 0, amount);
        }
        var cost = decimal.Round(shares * ask, 2, MidpointRounding.AwayFromZero);
        var commission = OrderChecks.Commission(shares, ask);
        return new DcaOrder(shares, ask, cost, commission, amount - cost - commission);
    }

    private static decimal Total(decimal shares, decimal ask) => decimal.Round(shares * ask, 2, MidpointRounding.AwayFromZero) + OrderChecks.Commission(shares, ask);
}
