using Bot.Finance.Broker;

namespace Bot.Finance.Bank;

/// <summary>
/// Generates a demo bank for one seed: fixed accounts and balances, recurring bills and pay, and everyday
/// purchases at realistic merchants. Each calendar day's transactions depend only on the seed and that day, so
/// a day looks the same every time it is asked for while the ~90-day window moves with the calendar.
/// </summary>
public sealed class DemoBankData(ulong seed)
{
    public const string Institution = "Demo Bank";
    public const int WindowDays = 90;

    private sealed record Merchant(string Name, string Category, decimal Min, decimal Max);

    private static readonly Merchant[] Everyday =
    [
        new("Whole Foods Market", "Groceries", 35m, 180m),
        new("Trader Joe's", "Groceries", 20m, 120m),
        new("Safeway", "Groceries", 25m, 150m),
        new("Starbucks", "Dining", 4m, 9m),
        new("Chipotle", "Dining", 10m, 18m),
        new("Sweetgreen", "Dining", 12m, 20m),
        new("Tony's Pizza", "Dining", 18m, 45m),
        new("Uber", "Transport", 9m, 40m),
        new("Shell", "Transport", 30m, 70m),
        new("Amazon", "Shopping", 12m, 150m),
        new("Target", "Shopping", 15m, 120m),
        new("AMC Theatres", "Entertainment", 12m, 40m),
        new("CVS Pharmacy", "Health", 8m, 60m),
    ];

    private static readonly (string Symbol, string Name)[] Securities =
    [
        ("VTI", "Vanguard Total Stock Market ETF"),
        ("AAPL", "Apple Inc."),
        ("MSFT", "Microsoft Corp."),
        ("BND", "Vanguard Total Bond Market ETF"),
    ];

    private static readonly DateOnly CostBasisDay = new(2025, 1, 2);

    public string CheckingId => $"demo-chk-{Mask(1)}";
    public string SavingsId => $"demo-sav-{Mask(2)}";
    public string CardId => $"demo-card-{Mask(3)}";
    public string BrokerageId => $"demo-inv-{Mask(4)}";

    public decimal Rent => 1_400m + 25m * (long)(Draw(10) % 41);
    public decimal Salary => 2_400m + 50m * (long)(Draw(11) % 37);

    public IReadOnlyList<BankAccount> Accounts(DateOnly today)
    {
        var investments = Holdings(today).Sum(h => h.Value ?? 0m);
        var checking = Cents(2_000m, 6_000m, Draw(20));
        var savings = Cents(8_000m, 30_000m, Draw(21));
        var card = Cents(300m, 1_500m, Draw(22));
        return
        [
            new(CheckingId, "Everyday Checking", Mask(1), "depository", "checking", checking, checking, null, "USD", Institution),
            new(SavingsId, "High-Yield Savings", Mask(2), "depository", "savings", savings, savings, null, "USD", Institution),
            new(CardId, "Rewards Credit Card", Mask(3), "credit", "credit card", card, 5_000m - card, 5_000m, "USD", Institution),
            new(BrokerageId, "Brokerage", Mask(4), "investment", "brokerage", investments, null, null, "USD", Institution),
        ];
    }

    /// <summary>Transactions dated <paramref name="from"/>..<paramref name="to"/>, clipped to the window ending today, newest first.</summary>
    public IReadOnlyList<BankTransaction> Transactions(DateOnly today, DateOnly from, DateOnly to)
    {
        var start = Max(from, today.AddDays(1 - WindowDays));
        var end = Min(to, today);
        var result = new List<BankTransaction>();
        for (var day = end; day >= start; day = day.AddDays(-1))
        {
            result.AddRange(ForDay(day));
        }
        return result;
    }

    public IReadOnlyList<BankHolding> Holdings(DateOnly today)
    {
        var holdings = new List<BankHolding>();
        for (var i = 0; i < Securities.Length; i++)
        {
            var (symbol, name) = Securities[i];
            var quantity = 5m + (long)(Draw(30 + (ulong)i) % 56);
            var price = DeterministicQuotes.LastFor(symbol, today);
            var costPrice = decimal.Round(DeterministicQuotes.LastFor(symbol, CostBasisDay) * 0.9m, 2, MidpointRounding.AwayFromZero);
            holdings.Add(new BankHolding(BrokerageId, symbol, name, quantity, price, quantity * price, quantity * costPrice, "USD"));
        }
        return holdings;
    }

    /// <summary>Monthly dividends on the bond fund and quarterly on the stock fund, within the window.</summary>
    public IReadOnlyList<InvestmentTransaction> InvestmentTransactions(DateOnly today, DateOnly from, DateOnly to)
    {
        var holdings = Holdings(today).ToDictionary(h => h.Symbol!, StringComparer.Ordinal);
        var result = new List<InvestmentTransaction>();
        var start = Max(from, today.AddDays(1 - WindowDays));
        for (var day = Min(to, today); day >= start; day = day.AddDays(-1))
        {
            if (day.Day == 1)
            {
                var bnd = holdings["BND"];
                result.Add(new($"demo-div-BND-{day:yyyyMMdd}", BrokerageId, day, "BND dividend", "BND", "cash", 0m, 0m, -decimal.Round(bnd.Quantity * 0.21m, 2), "USD"));
                if (day.Month % 3 == 1)
                {
                    var vti = holdings["VTI"];
                    result.Add(new($"demo-div-VTI-{day:yyyyMMdd}", BrokerageId, day, "VTI dividend", "VTI", "cash", 0m, 0m, -decimal.Round(vti.Quantity * 0.93m, 2), "USD"));
                }
            }
        }
        return result;
    }

    private List<BankTransaction> ForDay(DateOnly day)
    {
        var list = new List<BankTransaction>();
        var n = 0;
        void Add(string account, string merchant, string category, decimal amount) =>
            list.Add(new BankTransaction($"demo-{day:yyyyMMdd}-{n++}", account, day, merchant, merchant, category, amount, "USD", false));

        var lastDay = DateTime.DaysInMonth(day.Year, day.Month);
        if (day.Day == 15 || day.Day == lastDay)
        {
            Add(CheckingId, "Acme Corp Payroll", "Income", -Salary);
        }
        var rng = new SplitMix64(seed ^ (ulong)day.DayNumber * 0x9E37_79B9_7F4A_7C15UL);
        switch (day.Day)
        {
            case 1: Add(CheckingId, "Greenview Apartments", "Rent", Rent); break;
            case 5: Add(CardId, "Netflix", "Subscriptions", 15.49m); break;
            case 12: Add(CardId, "Spotify", "Subscriptions", 11.99m); break;
            case 20: Add(CheckingId, "City Power & Light", "Utilities", Cents(60m, 140m, rng.Next())); break;
            case 22: Add(CheckingId, "Verizon Wireless", "Utilities", 70m); break;
            case 25: Add(CheckingId, "Transfer to savings", "Transfer", 500m); break;
        }
        var purchases = (int)(rng.Next() % 4);
        for (var i = 0; i < purchases; i++)
        {
            var merchant = Everyday[rng.Next() % (ulong)Everyday.Length];
            var account = rng.Next() % 3 == 0 ? CheckingId : CardId;
            Add(account, merchant.Name, merchant.Category, Cents(merchant.Min, merchant.Max, rng.Next()));
        }
        return list;
    }

    private string Mask(ulong which) => ((Draw(which) % 9000) + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private ulong Draw(ulong stream) => new SplitMix64(seed + stream * 0xD1B5_4A32_D192_ED03UL).Next();

    private static decimal Cents(decimal min, decimal max, ulong draw)
    {
        var span = (ulong)((max - min) * 100m) + 1;
        return min + (draw % span) / 100m;
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    /// <summary>A tiny, fully specified generator, so the demo data never changes with a runtime's Random.</summary>
    private struct SplitMix64(ulong state)
    {
        public ulong Next()
        {
            state += 0x9E37_79B9_7F4A_7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
            return z ^ (z >> 31);
        }
    }
}
