using System.Globalization;
using System.Text.RegularExpressions;
using Bot.Finance.Broker;

namespace Bot.Finance.Trading;

/// <summary>
/// Parses the orders of <c>/buy</c> and <c>/sell</c>: <c>10 AAPL limit 190</c>, <c>10 AAPL @ 190 gtc</c>,
/// <c>5 MSFT market</c>; several orders separated by commas or semicolons.
/// </summary>
public static partial class OrderParser
{
    [GeneratedRegex(@"^\s*(?<qty>\d+(\.\d+)?)\s+(?<symbol>[A-Za-z][A-Za-z0-9.\-]{0,9})(\s+(?<type>limit|lmt|@|market|mkt)(\s+(?<price>\d+(\.\d+)?))?)?(\s+(?<tif>day|gtc))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex OrderPattern();

    public static (IReadOnlyList<OrderRequest> Orders, string? Error) Parse(OrderSide side, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return ([], $"Tell me what to {Verb(side)}, for example `/{Verb(side)} 10 AAPL limit 190`.");
        }
        var orders = new List<OrderRequest>();
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = OrderPattern().Match(part);
            if (!match.Success)
            {
                return ([], $"I could not read `{part}`. Write it as `QUANTITY SYMBOL limit PRICE`, for example `/{Verb(side)} 10 AAPL limit 190`.");
            }
            var quantity = decimal.Parse(match.Groups["qty"].Value, CultureInfo.InvariantCulture);
            var symbol = match.Groups["symbol"].Value.ToUpperInvariant();
            var type = match.Groups["type"].Value.ToLowerInvariant();
            var price = match.Groups["price"].Success ? decimal.Parse(match.Groups["price"].Value, CultureInfo.InvariantCulture) : (decimal?)null;
            var tif = match.Groups["tif"].Value.Equals("gtc", StringComparison.OrdinalIgnoreCase) ? TimeInForce.Gtc : TimeInForce.Day;
            switch (type)
            {
                case "market" or "mkt":
                    if (price is not null)
                    {
                        return ([], $"`{part}`: a market order takes no price.");
                    }
                    orders.Add(new OrderRequest(symbol, side, quantity, OrderType.Market, null, tif));
                    break;
                case "limit" or "lmt" or "@":
                    if (price is null)
                    {
                        return ([], $"`{part}`: a limit order needs a price, for example `limit 190`.");
                    }
                    orders.Add(new OrderRequest(symbol, side, quantity, OrderType.Limit, price, tif));
                    break;
                default:
                    return ([], $"`{part}`: say `limit PRICE` (or `market`). Orders are limit orders by default, so a price is needed.");
            }
        }
        return orders.Count > 10 ? ([], "A plan holds at most 10 orders.") : (orders, null);
    }

    private static string Verb(OrderSide side) => side == OrderSide.Buy ? "buy" : "sell";
}
