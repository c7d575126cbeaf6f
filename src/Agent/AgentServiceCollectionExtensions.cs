using Anthropic;
using Bot.Agent.Commands;
using Bot.Agent.Llm;
using Bot.Agent.Memory;
using Bot.Pipeline;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bot.Agent;

public static class AgentServiceCollectionExtensions
{
    /// <summary>The agent: the command agent, memory, and (with a model configured) the LLM agent.</summary>
    public static IServiceCollection AddBotAgent(this IServiceCollection services)
    {

        services.AddScoped<IChatCommand, HelpCommand>();
        services.AddScoped<IChatCommand, NewThreadCommand>();
        services.AddScoped<IChatCommand, ThreadsCommand>();
        services.AddScoped<IChatCommand, MemoryCommand>();
        services.AddScoped<CommandAgent>();

        services.AddScoped<MemoryStore>();
        services.AddScoped<ContextBuilder>();
        services.AddScoped<IToolProvider, MemoryTools>();

        services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>();
        services.AddSingleton(CreateChatClient);
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
                return OpenAIChatClient.Create(options.ApiKey!, options.Model!, options.BaseUrl);
            default:
                throw new InvalidOperationException("No language model is configured (Llm:Provider is none).");
        }
    }
}
