using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bot.Finance.Broker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bot.Finance.Ibkr;

/// <summary>
/// The broker port over IBKR. One brokerage account serves the deployment (the gateway's session is the operator's).
/// Orders carry the caller's client order id as <c>cOID</c>; IBKR's warning prompts are confirmed through
/// <c>/iserver/reply/{id}</c> up to <see cref="IbkrOptions.MaxConfirmations"/> rounds, and the confirmed warnings are
/// returned with the order. A live account is refused unless <c>Ibkr:Live</c> is true.
/// </summary>
public sealed partial class IbkrBroker(IbkrClient client, IOptions<IbkrOptions> options, TimeProvider clock, ILogger<IbkrBroker> logger) : IBrokerProvider
{
    private const int PageSize = 100;
    private const int MaxPages = 20;

    public string SourceName => options.Value.Live ? "IBKR" : "IBKR paper account";

    public bool IsPaper => !options.Value.Live;

    public async Task<IReadOnlyList<BrokerAccount>> GetAccountsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var response = await client.GetAccountsAsync(cancellationToken);
        var accounts = response.Accounts ?? [];
        if (options.Value.AccountId is { Length: > 0 } configured)
        {
            accounts = accounts.Where(a => a == configured).ToList();
        }
        return accounts.Select(a => new BrokerAccount(a, a, "USD", IbkrOptions.IsPaperAccount(a))).ToList();
    }

    public async Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(Guid userId, CancellationToken cancellationToken)
    {
        var account = await AccountAsync(cancellationToken);
        var result = new List<BrokerPosition>();
        for (var page = 0; page < MaxPages; page++)
        {
            var positions = await client.GetPositionsAsync(account, page, cancellationToken);
            result.AddRange(positions.Where(p => p.Position != 0).Select(p => new BrokerPosition(
                p.AcctId ?? account, p.Ticker ?? p.ContractDesc ?? p.Conid?.ToString(CultureInfo.InvariantCulture) ?? "?", p.Name ?? p.ContractDesc,
                p.Position, p.MktPrice, p.MktValue, p.AvgPrice ?? p.AvgCost, p.UnrealizedPnl, p.Currency ?? "USD")));
            if (positions.Count < PageSize)
            {
                break;
            }
        }
        return result;
    }

    public Task<decimal?> GetCashAsync(Guid userId, CancellationToken cancellationToken) => Task.FromResult<decimal?>(null);

    public async Task<Contract?> FindContractAsync(string symbol, CancellationToken cancellationToken)
    {
        var normalized = Symbols.Normalize(symbol);
        if (normalized is null)
        {
            return null;
        }
        var found = await client.SearchAsync(normalized, cancellationToken);
        var match = found
            .Where(s => s.Conid is > 0 && string.Equals(s.Symbol, normalized, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Sections?.Any(x => x.SecType == "STK") == true)
            .FirstOrDefault();
        return match is null ? null : new Contract(match.Conid!.Value, normalized, match.CompanyName, match.Description);
    }

    public async Task<Quote> GetQuoteAsync(string symbol, CancellationToken cancellationToken)
    {
        var contract = await FindContractAsync(symbol, cancellationToken) ?? throw new UnknownSymbolException(symbol);
        // The first snapshot for a contract often only opens the stream; ask again briefly until fields arrive.
        for (var attempt = 1; ; attempt++)
        {
            var rows = await client.SnapshotAsync(contract.ContractId, cancellationToken);
            var row = rows.FirstOrDefault();
            var quote = new Quote(contract.Symbol, Field(row, "31"), Field(row, "84"), Field(row, "86"), clock.GetUtcNow(), contract.ContractId);
            if (quote.Last is not null || quote.Bid is not null || attempt >= 3)
            {
                return quote;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300), clock, cancellationToken);
        }
    }

    public async Task<OrderPreview> PreviewOrderAsync(Guid userId, OrderRequest order, CancellationToken cancellationToken)
    {
        if (OrderChecks.Problem(order) is { } problem)
        {
            return new OrderPreview(order, null, null, null, null, [], problem);
        }
        var contract = await FindContractAsync(order.Symbol, cancellationToken);
        if (contract is null)
        {
            return new OrderPreview(order, null, null, null, null, [], $"IBKR knows no stock with the symbol {order.Symbol}.");
        }
        var account = await AccountAsync(cancellationToken);
        var response = await client.WhatIfAsync(account, ToIbkr(account, contract, order, clientOrderId: null), cancellationToken);
        var notional = FirstNumber(response.Amount?.Amount);
        var warnings = string.IsNullOrWhiteSpace(response.Warn) ? new List<string>() : [CleanWarning(response.Warn)];
        return new OrderPreview(order, notional is { } n ? decimal.Round(n / order.Quantity, 4) : order.LimitPrice, notional,
            FirstNumber(response.Amount?.Commission), response.Amount?.Total is { } total ? "Total " + total : null, warnings,
            string.IsNullOrWhiteSpace(response.Error) ? null : response.Error);
    }

    public async Task<BrokerOrder> PlaceOrderAsync(Guid userId, string clientOrderId, OrderRequest order, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientOrderId);
        if (OrderChecks.Problem(order) is { } problem)
        {
            return new BrokerOrder("", clientOrderId, order.Symbol, order.Side, order.Quantity, 0m, null, BrokerOrderStatus.Rejected, problem);
        }
        var contract = await FindContractAsync(order.Symbol, cancellationToken) ?? throw new UnknownSymbolException(order.Symbol);
        var account = await AccountAsync(cancellationToken);
        var answer = IbkrOrderAnswer.Parse(await client.PlaceOrderAsync(account, ToIbkr(account, contract, order, clientOrderId), cancellationToken));
        var confirmed = new List<string>();
        for (var round = 1; ; round++)
        {
            switch (answer)
            {
                case IbkrOrderAnswer.Accepted accepted:
                    LogPlaced(logger, accepted.OrderId, clientOrderId, round - 1);
                    return new BrokerOrder(accepted.OrderId, clientOrderId, order.Symbol, order.Side, order.Quantity, 0m, null, StatusOf(accepted.Status),
                        confirmed.Count > 0 ? "Confirmed IBKR warnings: " + string.Join(" | ", confirmed) : null);
                case IbkrOrderAnswer.Rejected rejected when IbkrOrderAnswer.IsDuplicateClientOrderId(rejected.Reason):
                    throw new DuplicateClientOrderIdException(clientOrderId);
                case IbkrOrderAnswer.Rejected rejected:
                    return new BrokerOrder("", clientOrderId, order.Symbol, order.Side, order.Quantity, 0m, null, BrokerOrderStatus.Rejected, rejected.Reason);
                case IbkrOrderAnswer.ConfirmationNeeded question when round <= options.Value.MaxConfirmations:
                    confirmed.AddRange(question.Messages.Select(CleanWarning));
                    answer = IbkrOrderAnswer.Parse(await client.ReplyAsync(question.ReplyId, confirmed: true, cancellationToken));
                    break;
                case IbkrOrderAnswer.ConfirmationNeeded question:
                    await client.ReplyAsync(question.ReplyId, confirmed: false, cancellationToken);
                    return new BrokerOrder("", clientOrderId, order.Symbol, order.Side, order.Quantity, 0m, null, BrokerOrderStatus.Rejected,
                        $"IBKR kept asking for confirmations ({options.Value.MaxConfirmations} rounds); the order was not sent. Last: {string.Join(" ", question.Messages.Select(CleanWarning))}");
                default:
                    throw new InvalidOperationException("Unknown IBKR answer.");
            }
        }
    }

    public async Task<IReadOnlyList<BrokerOrder>> GetOrdersAsync(Guid userId, CancellationToken cancellationToken)
    {
        var response = await client.GetLiveOrdersAsync(cancellationToken);
        return (response.Orders ?? []).Select(o => new BrokerOrder(
            o.OrderId?.ToString(CultureInfo.InvariantCulture) ?? "", o.OrderRef, o.Ticker ?? "?",
            string.Equals(o.Side, "SELL", StringComparison.OrdinalIgnoreCase) ? OrderSide.Sell : OrderSide.Buy,
            o.TotalSize ?? (o.FilledQuantity ?? 0m) + (o.RemainingQuantity ?? 0m), o.FilledQuantity ?? 0m, o.AvgPrice, StatusOf(o.Status), null)).ToList();
    }

    /// <summary>The account to use; a live one only with <c>Ibkr:Live</c> = true.</summary>
    private async Task<string> AccountAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var account = settings.AccountId;
        if (string.IsNullOrEmpty(account))
        {
            var response = await client.GetAccountsAsync(cancellationToken);
            account = response.SelectedAccount ?? (response.Accounts is { Count: > 0 } listed ? listed[0] : null)
                ?? throw new IbkrApiException(200, "The IBKR gateway lists no accounts; is its session logged in?");
        }
        if (!settings.Live && !IbkrOptions.IsPaperAccount(account))
        {
            throw new IbkrApiException(0, $"The IBKR session is on the live account {account}, but Ibkr:Live is false; this service trades paper accounts only unless Ibkr:Live=true.");
        }
        return account;
    }

    internal static IbkrOrder ToIbkr(string account, Contract contract, OrderRequest order, string? clientOrderId) => new(
        account, contract.ContractId, clientOrderId, order.Type == OrderType.Limit ? "LMT" : "MKT", order.Type == OrderType.Limit ? order.LimitPrice : null,
        order.Side == OrderSide.Buy ? "BUY" : "SELL", order.TimeInForce == TimeInForce.Gtc ? "GTC" : "DAY", order.Quantity);

    internal static BrokerOrderStatus StatusOf(string? status) => status?.ToUpperInvariant() switch
    {
        "FILLED" => BrokerOrderStatus.Filled,
        "CANCELLED" or "PENDINGCANCEL" or "API_CANCELLED" => BrokerOrderStatus.Cancelled,
        "INACTIVE" or "REJECTED" => BrokerOrderStatus.Rejected,
        "SUBMITTED" or "PRESUBMITTED" => BrokerOrderStatus.Working,
        _ => BrokerOrderStatus.Submitted,
    };

    /// <summary>A snapshot field's number: IBKR prefixes some with C (previous close) or H (halted) and groups digits.</summary>
    internal static decimal? Field(JsonObject? row, string field)
    {
        if (row is null || !row.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }
        return FirstNumber(node.ToString());
    }

    internal static decimal? FirstNumber(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var match = NumberPattern().Match(text);
        return match.Success && decimal.TryParse(match.Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    private static string CleanWarning(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    [GeneratedRegex(@"-?\d[\d,]*(\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "IBKR accepted order {OrderId} (cOID {ClientOrderId}) after {Confirmations} confirmation(s)")]
    private static partial void LogPlaced(ILogger logger, string orderId, string clientOrderId, int confirmations);
}
