using System.Globalization;
using System.Text;
using Bot.Finance.Broker;
using Bot.Finance.Tools;

namespace Bot.Finance.Commands;

/// <summary>Formats the finance tools' results as readable Markdown, saying "demo" or "paper" where that is the source.</summary>
public static class FinanceMarkdown
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public const string DemoBankNote = "_Demo bank: generated sample data, not real accounts._";
    public const string PaperBrokerNote = "_Paper broker: simulated prices and fills, no real money._";

    public static string Money(decimal amount, string currency = "USD")
    {
        var sign = amount < 0 ? "-" : string.Empty;
        var value = Math.Abs(amount).ToString("N2", Invariant);
        return currency == "USD" ? $"{sign}${value}" : $"{sign}{value} {currency}";
    }

    public static string Shares(decimal quantity) => quantity == decimal.Truncate(quantity)
        ? quantity.ToString("N0", Invariant)
        : quantity.ToString("N8", Invariant).TrimEnd('0').TrimEnd('.');

    public static string Balances(BalancesResult result)
    {
        var text = new StringBuilder("**Balances**");
        text.Append(Invariant, $" · {result.Source}\n");
        if (result.IsDemo)
        {
            text.Append(DemoBankNote).Append('\n');
        }
        text.Append('\n');
        foreach (var account in result.Accounts)
        {
            var mask = account.Mask is null ? string.Empty : $" ••{account.Mask}";
            text.Append(Invariant, $"- **{account.Name}**{mask} ({account.Subtype ?? account.Type}): {Amount(account.Current, account.Currency)}");
            if (account.Type == "credit")
            {
                text.Append(" owed");
                if (account.Available is { } left)
                {
                    text.Append(Invariant, $", {Money(left, account.Currency)} available");
                }
                else if (account.Limit is { } limit)
                {
                    text.Append(Invariant, $", limit {Money(limit, account.Currency)}");
                }
            }
            else if (account.Available is { } available && available != account.Current)
            {
                text.Append(Invariant, $", {Money(available, account.Currency)} available");
            }
            text.Append('\n');
        }
        foreach (var total in result.Totals)
        {
            text.Append(Invariant, $"\nCash {Money(total.Cash, total.Currency)} · card and loan debt {Money(total.Debt, total.Currency)} · investments {Money(total.Investments, total.Currency)}");
        }
        return text.ToString().TrimEnd();
    }

    public static string Transactions(TransactionsResult result)
    {
        var text = new StringBuilder("**Transactions**");
        text.Append(Invariant, $" {result.From:yyyy-MM-dd} to {result.To:yyyy-MM-dd}");
        if (result.Category is not null)
        {
            text.Append(Invariant, $" · category \"{result.Category}\"");
        }
        if (result.Merchant is not null)
        {
            text.Append(Invariant, $" · merchant \"{result.Merchant}\"");
        }
        text.Append(Invariant, $" · {result.Source}\n");
        if (result.IsDemo)
        {
            text.Append(DemoBankNote).Append('\n');
        }
        if (result.Count == 0)
        {
            return text.Append("\nNo transactions match.").ToString();
        }
        text.Append(Invariant, $"\n{result.Count} transaction(s): spent {Money(result.TotalSpent)}, received {Money(result.TotalReceived)}.\n");
        if (result.ByCategory.Count > 0)
        {
            text.Append("Spending by category: ")
                .AppendJoin(", ", result.ByCategory.Select(c => $"{c.Category} {Money(c.Spent)}"))
                .Append('\n');
        }
        text.Append('\n');
        foreach (var t in result.Transactions)
        {
            var amount = t.Amount > 0 ? Money(-t.Amount, t.Currency) : "+" + Money(-t.Amount, t.Currency);
            var pending = t.Pending ? " (pending)" : string.Empty;
            text.Append(Invariant, $"- {t.Date:yyyy-MM-dd} · {t.Merchant ?? t.Name} · {t.Category ?? "Other"} · {amount}{pending}\n");
        }
        if (result.Truncated)
        {
            text.Append(Invariant, $"\nShowing the newest {result.Transactions.Count} of {result.Count}; narrow with a period, `category:` or `merchant:`.");
        }
        return text.ToString().TrimEnd();
    }

    public static string Holdings(HoldingsResult result)
    {
        var text = new StringBuilder("**Portfolio**\n\n");
        text.Append(Invariant, $"**Brokerage** · {result.BrokerSource}\n");
        if (result.BrokerIsPaper && result.BrokerSource.Contains("paper", StringComparison.OrdinalIgnoreCase))
        {
            text.Append(PaperBrokerNote).Append('\n');
        }
        if (result.BrokerCash is { } cash)
        {
            text.Append(Invariant, $"Cash {Money(cash)}\n");
        }
        if (result.BrokerPositions.Count == 0)
        {
            text.Append("No positions yet.\n");
        }
        foreach (var p in result.BrokerPositions)
        {
            text.Append(Invariant, $"- **{p.Symbol}** {Shares(p.Quantity)} sh");
            if (p.MarketPrice is { } price)
            {
                text.Append(Invariant, $" @ {Money(price, p.Currency)}");
            }
            if (p.MarketValue is { } value)
            {
                text.Append(Invariant, $" = {Money(value, p.Currency)}");
            }
            if (p.AverageCost is { } cost)
            {
                text.Append(Invariant, $" (avg cost {Money(cost, p.Currency)}");
                text.Append(p.UnrealizedPnl is { } pnl ? $", P/L {(pnl >= 0 ? "+" : string.Empty)}{Money(pnl, p.Currency)})" : ")");
            }
            text.Append('\n');
        }
        if (result.BankHoldings.Count > 0)
        {
            text.Append(Invariant, $"\n**Bank investment accounts** · {result.BankSource}\n");
            if (result.BankIsDemo)
            {
                text.Append(DemoBankNote).Append('\n');
            }
            foreach (var h in result.BankHoldings)
            {
                text.Append(Invariant, $"- **{h.Symbol ?? h.Name}** {Shares(h.Quantity)} sh");
                if (h.Price is { } price)
                {
                    text.Append(Invariant, $" @ {Money(price, h.Currency)}");
                }
                if (h.Value is { } value)
                {
                    text.Append(Invariant, $" = {Money(value, h.Currency)}");
                }
                if (h.Symbol is not null && h.Name != h.Symbol)
                {
                    text.Append(Invariant, $" · {h.Name}");
                }
                text.Append('\n');
            }
            // A paragraph of its own: right under the list, Markdown would continue the last holding's line with it.
            text.Append(Invariant, $"\nTotal {Money(result.BankHoldings.Sum(h => h.Value ?? 0m))}\n");
        }
        return text.ToString().TrimEnd();
    }

    public static string Quote(QuoteResult quote)
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"**{quote.Symbol}** {Amount(quote.Last, "USD")}");
        if (quote.Bid is { } bid && quote.Ask is { } ask)
        {
            text.Append(Invariant, $" (bid {Money(bid)} · ask {Money(ask)})");
        }
        text.Append(Invariant, $" · {quote.Source}, {quote.AsOf.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        if (quote.IsSimulated)
        {
            text.Append('\n').Append("_Paper broker: a simulated quote that is stable for the day, not a market price._");
        }
        return text.ToString();
    }

    public static string Preview(OrderPreviewResult preview)
    {
        var side = preview.Side == OrderSide.Buy ? "Buy" : "Sell";
        var kind = preview.Type == OrderType.Limit ? $"limit {Money(preview.LimitPrice ?? 0m)}" : "market";
        var text = new StringBuilder();
        text.Append(Invariant, $"**Preview** {side} {Shares(preview.Quantity)} {preview.Symbol} {kind} · {preview.Source}\n");
        if (preview.IsPaper)
        {
            text.Append("_Paper trading: no real money._\n");
        }
        text.Append(Invariant, $"Estimated price {Amount(preview.EstimatedPrice, "USD")}, total {Amount(preview.EstimatedNotional, "USD")}, commission {Amount(preview.Commission, "USD")}.");
        foreach (var warning in preview.Warnings)
        {
            text.Append(Invariant, $"\n- ⚠ {warning}");
        }
        return text.ToString();
    }

    private static string Amount(decimal? value, string currency) => value is { } v ? Money(v, currency) : "n/a";
}
