using Anthropic;
using Bot.Agent.Commands;
using Bot.Agent.Llm;
using Bot.Agent.Memory;
using Bot.Agent.Pipeline;
using Bot.Agent.Threads;
using Bot.Agent.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bot.Agent;

public static class AgentServiceCollectionExtensions
{
    /// <summary>The durable pipeline (inbox, turn workers, outbox senders, notifications) and the command agent.</summary>
    public static IServiceCollection AddBotAgent(this IServiceCollection services)
    {
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PipelineSignals>();
        services.AddSingleton<PgNotifier>();
        services.AddSingleton<InboxRecorder>();
        services.AddSingleton<TurnProcessor>();
        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<ThreadQueries>();
        services.AddSingleton<LiveUpdates>();

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
        services.AddHostedService<PgNotificationListener>();
        services.AddHostedService<TurnWorker>();
        services.AddHostedService<OutboxWorker>();
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
