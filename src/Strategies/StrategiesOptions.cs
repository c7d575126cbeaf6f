using System.ComponentModel.DataAnnotations;

namespace Bot.Strategies;

/// <summary>Standing instructions (section <c>Strategies</c>).</summary>
public sealed class StrategiesOptions
{
    public const string Section = "Strategies";

    /// <summary>How often an alert checks its quote during market hours, in seconds.</summary>
    [Range(10, 86_400)]
    public int AlertIntervalSeconds { get; set; } = 300;

    /// <summary>On a paper account, check and fire at any hour (the paper market never closes). No effect on a real broker.</summary>
    public bool PaperAlwaysOpen { get; set; }

    /// <summary>How often the clustered evaluator job looks for instructions that are due, in seconds.</summary>
    [Range(1, 3_600)]
    public int TickSeconds { get; set; } = 30;

    /// <summary>How far back across the threshold the price must go before an alert fires again, in percent of the threshold (points for moves).</summary>
    [Range(0, 20)]
    public decimal HysteresisPercent { get; set; } = 0.5m;

    [Range(1, 1_000)]
    public int MaxPerUser { get; set; } = 25;
}
