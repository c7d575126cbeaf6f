using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Bot.Agent.Llm;

/// <summary>The language model (section <c>Llm</c>). <c>Provider=none</c> runs the command agent.</summary>
public sealed class LlmOptions
{
    public const string Section = "Llm";

    public const string None = "none";
    public const string Anthropic = "anthropic";
    public const string OpenAI = "openai";

    /// <summary><c>anthropic</c>, <c>openai</c> or <c>none</c>.</summary>
    public string Provider { get; set; } = None;

    public string? ApiKey { get; set; }

    /// <summary>The model id, for example <c>claude-sonnet-4-5</c> or <c>gpt-4.1</c>.</summary>
    public string? Model { get; set; }

    /// <summary>Overrides the provider's API endpoint (a proxy, a compatible server, a test server).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Model calls with tools per turn before the agent is asked to answer with what it has.</summary>
    [Range(1, 50)]
    public int MaxToolIterations { get; set; } = 8;

    /// <summary>The token budget of the thread history put in the prompt; older turns are folded into the summary.</summary>
    [Range(500, 1_000_000)]
    public int ContextTokens { get; set; } = 16_000;

    /// <summary>The longest the rolling thread summary may grow, in tokens.</summary>
    [Range(50, 20_000)]
    public int SummaryTokens { get; set; } = 600;

    [Range(64, 64_000)]
    public int MaxOutputTokens { get; set; } = 2_048;

    /// <summary>Tokens (in + out) one person's model calls may use per UTC day; 0 for no limit. Commands still answer past it.</summary>
    [Range(0, long.MaxValue)]
    public long DailyTokensPerPerson { get; set; } = 200_000;

    /// <summary>Tokens (in + out) the whole service may use per UTC calendar month; 0 for no limit.</summary>
    [Range(0, long.MaxValue)]
    public long MonthlyTokenBudget { get; set; }

    /// <summary>Prices per model id (<c>Llm:Prices:MODEL:InputPerMillionTokens</c>, <c>...:OutputPerMillionTokens</c>), in US dollars, for the cost estimates.</summary>
    public Dictionary<string, LlmPrice> Prices { get; set; } = new(StringComparer.Ordinal);

    public bool Enabled => !string.Equals(Provider, None, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A model's price in US dollars per million tokens.</summary>
public sealed class LlmPrice
{
    public decimal InputPerMillionTokens { get; set; }

    public decimal OutputPerMillionTokens { get; set; }

    public decimal Cost(long inputTokens, long outputTokens) =>
        (inputTokens * InputPerMillionTokens + outputTokens * OutputPerMillionTokens) / 1_000_000m;
}

/// <summary>Checks the combinations DataAnnotations cannot: a provider needs a key and a model; the base URL must be a URL.</summary>
public sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        var provider = options.Provider.ToLowerInvariant();
        var prices = options.Prices.Where(p => p.Value.InputPerMillionTokens < 0 || p.Value.OutputPerMillionTokens < 0).Select(p => p.Key).ToList();
        if (prices.Count > 0)
        {
            return ValidateOptionsResult.Fail($"Llm:Prices for {string.Join(", ", prices)} must not be negative.");
        }
        if (provider is not (LlmOptions.None or LlmOptions.Anthropic or LlmOptions.OpenAI))
        {
            return ValidateOptionsResult.Fail($"Llm:Provider is '{options.Provider}'; use anthropic, openai or none.");
        }
        if (provider == LlmOptions.None)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add($"Llm:ApiKey is required when Llm:Provider is {provider}.");
        }
        if (string.IsNullOrWhiteSpace(options.Model))
        {
            failures.Add($"Llm:Model is required when Llm:Provider is {provider} (for example {(provider == LlmOptions.Anthropic ? "claude-sonnet-4-5" : "gpt-4.1")}).");
        }
        if (!string.IsNullOrEmpty(options.BaseUrl) && !Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out _))
        {
            failures.Add($"Llm:BaseUrl '{options.BaseUrl}' is not an absolute URL.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
