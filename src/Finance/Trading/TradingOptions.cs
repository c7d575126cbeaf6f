using System.ComponentModel.DataAnnotations;

namespace Bot.Finance.Trading;

/// <summary>Risk limits for trade plans (section <c>Trading</c>). Every check runs at proposal and again at approval.</summary>
public sealed class TradingOptions
{
    public const string Section = "Trading";

    /// <summary>The most one order may be worth, in USD.</summary>
    [Range(1, 100_000_000)]
    public decimal MaxOrderNotional { get; set; } = 10_000m;

    /// <summary>The most a user's approved orders may be worth in one UTC day, in USD.</summary>
    [Range(1, 1_000_000_000)]
    public decimal MaxDailyNotional { get; set; } = 25_000m;

    /// <summary>Comma-separated symbols that may be traded; empty allows any symbol the broker knows.</summary>
    public string AllowedSymbols { get; set; } = string.Empty;

    [Range(1, 24 * 60)]
    public int PlanTtlMinutes { get; set; } = 15;

    /// <summary>How far the price may move between proposal and approval, in percent.</summary>
    [Range(0.01, 100)]
    public decimal MaxPriceDriftPercent { get; set; } = 2m;

    /// <summary>Stops all trading at once: proposals and approvals are refused.</summary>
    public bool KillSwitch { get; set; }

    /// <summary>Market orders are refused unless this is set: limit orders are the default.</summary>
    public bool AllowMarketOrders { get; set; }

    public IReadOnlySet<string> AllowedSymbolSet =>
        AllowedSymbols.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
}
