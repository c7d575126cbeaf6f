using System.Globalization;

namespace Bot.Finance.Broker;

/// <summary>Checks every broker applies before an order goes anywhere, and the commission model of the paper broker.</summary>
public static class OrderChecks
{
    public const decimal MaxQuantity = 1_000_000m;

    /// <summary>What is wrong with the order, in words for the user; null when it is well formed.</summary>
    public static string? Problem(OrderRequest order)
    {
        if (Symbols.Normalize(order.Symbol) != order.Symbol)
        {
            return $"'{order.Symbol}' is not a ticker symbol.";
        }
        if (order.Quantity <= 0 || order.Quantity > MaxQuantity)
        {
            return $"The quantity must be between 0 and {MaxQuantity.ToString("N0", CultureInfo.InvariantCulture)} shares.";
        }
        if (order.Type == OrderType.Limit && order.LimitPrice is not > 0)
        {
            return "A limit order needs a positive limit price.";
        }
        if (order.Type == OrderType.Market && order.LimitPrice is not null)
        {
            return "A market order takes no limit price.";
        }
        return null;
    }

    /// <summary>A per-share commission like IBKR's fixed pricing: $0.005 a share, at least $1, at most 1 % of the trade.</summary>
    public static decimal Commission(decimal quantity, decimal price)
    {
        var perShare = Math.Max(1m, quantity * 0.005m);
        return decimal.Round(Math.Min(perShare, Math.Max(1m, quantity * price * 0.01m)), 2, MidpointRounding.AwayFromZero);
    }
}
