using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Bot.Agent.Commands;
using Bot.Agent.Identities;
using Bot.Agent.Llm;
using Bot.Agent.Llm.Usage;
using Bot.Agent.Memory;
using Bot.Pipeline;
using Bot.Pipeline.Actions;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using OpenAI.Chat;

namespace Bot.Agent;

public static class AgentServiceCollectionExtensions
{
    /// <summary>The agent: the command agent, memory, and (with a model configured) the LLM agent.</summary>
    public static IServiceCollection AddBotAgent(this IServiceCollection services)
    {

        services.AddScoped<IChatCommand, HelpCommand>();
        services.AddScoped<IChatCommand, NewThreadCommand>();
        services.AddScoped<IChatCommand, ThreadsCommand>();
        services.AddScoped<IChatCommand, WebCommand>();
        services.AddScoped<IChatCommand, MemoryCommand>();
        services.AddScoped<ICardActionHandler, MemoryActionHandler>();
        services.AddScoped<CommandAgent>();

        services.AddScoped<IdentityLinks>();
        services.AddScoped<IChatCommand, ConnectCommand>();
        services.AddScoped<IChatCommand, DisconnectCommand>();
        services.AddScoped<IToolProvider, IdentityTools>();

        services.AddScoped<MemoryStore>();
        services.AddSingleton<PromptEventCache>();
        services.AddScoped<ContextBuilder>();
        services.AddScoped<IToolProvider, MemoryTools>();

        services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>();
        services.AddSingleton<LlmUsageStore>();
        // Every model call is metered and checked against the token budgets (MeteredChatClient).
        // Each call is also a span of the turn's trace (Microsoft.Extensions.AI's OpenTelemetry client: model, tokens, no text).
        services.AddSingleton<IChatClient>(sp => ActivatorUtilities.CreateInstance<MeteredChatClient>(sp,
            new OpenTelemetryChatClient(CreateChatClient(sp), sp.GetService<Microsoft.Extensions.Logging.ILogger<OpenTelemetryChatClient>>(), BotTelemetry.Name)));
        services.AddScoped<IChatCommand, UsageCommand>();
        services.AddScoped<LlmAgent>();
        services.AddScoped<PostTurnWork>();
        // With a model configured the LLM agent answers (handing commands to the command agent); otherwise the command agent alone.
        services.AddScoped<ITurnHandler>(sp => sp.GetRequiredService<IOptions<LlmOptions>>().Value.Enabled
            ? sp.GetRequiredService<LlmAgent>()
            : sp.GetRequiredService<CommandAgent>());
        return services;
    }

    private static IChatClient CreateChatClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<LlmOptions>>().Value;
        switch (options.Provider.ToLowerInvariant())
        {
            case LlmOptions.Anthropic:
                var client = string.IsNullOrEmpty(options.BaseUrl)
                    ? new AnthropicClient { ApiKey = options.ApiKey! }
                    : new AnthropicClient { ApiKey = options.ApiKey!, BaseUrl = options.BaseUrl };
                return client.AsIChatClient(options.Model!, options.MaxOutputTokens);
            case LlmOptions.OpenAI:
                return CreateOpenAIChatClient(options);
            default:
                throw new InvalidOperationException("No language model is configured (Llm:Provider is none).");
        }
    }

    /// <summary>
    /// The official OpenAI package's Chat Completions client behind Microsoft's <see cref="IChatClient"/> adapter
    /// (<c>Microsoft.Extensions.AI.OpenAI</c>). <c>Llm:BaseUrl</c> is the API root including <c>/v1</c>, as the SDK expects.
    /// The output-token limit travels with each request (<see cref="ChatOptions.MaxOutputTokens"/>).
    /// </summary>
    private static IChatClient CreateOpenAIChatClient(LlmOptions options)
    {
        // A retry policy of our own: the shared ClientRetryPolicy.Default of System.ClientModel 1.16 has a zero initial
        // delay (its static initializer runs before the 0.8 s default it reads), so it re-sent a 429 three times within
        // a few milliseconds. A new instance backs off as designed: 0.8 s, 1.6 s, 3.2 s, or longer when Retry-After says so.
        var clientOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy() };
        if (!string.IsNullOrEmpty(options.BaseUrl))
        {
            clientOptions.Endpoint = new Uri(options.BaseUrl);
        }
        return new ChatClient(options.Model!, new ApiKeyCredential(options.ApiKey!), clientOptions).AsIChatClient();
    }
}
