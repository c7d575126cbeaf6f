namespace Bot.Tests.Integration.LlmWire;

/// <summary>
/// The real host configured for a model provider whose API is a <see cref="ScriptedLlmServer"/> on loopback: the
/// server starts first (its port goes into <c>Llm:BaseUrl</c>), the host second; they stop in reverse order.
/// </summary>
public abstract class LlmWireHost(string provider, string model, string baseUrlPath) : IAsyncLifetime
{
    public const string ApiKey = "test-key-not-real";

    private ScriptedLlmServer? server;
    private WireAppFactory? app;

    public ScriptedLlmServer Server => server ?? throw new InvalidOperationException("not initialised");

    public BotAppFactory App => app ?? throw new InvalidOperationException("not initialised");

    /// <summary>More settings for the host (a derived fixture's).</summary>
    protected virtual IDictionary<string, string> MoreSettings => new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        server = await ScriptedLlmServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Llm:Provider"] = provider,
            ["Llm:ApiKey"] = ApiKey,
            ["Llm:Model"] = model,
            ["Llm:BaseUrl"] = new Uri(server.BaseUrl, baseUrlPath).ToString().TrimEnd('/'),
        };
        foreach (var (key, value) in MoreSettings)
        {
            settings[key] = value;
        }
        app = new WireAppFactory(settings);
        await app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    private sealed class WireAppFactory(IDictionary<string, string> settings) : BotAppFactory
    {
        protected override IDictionary<string, string> Settings => settings;
    }
}

/// <summary><c>Llm:Provider=anthropic</c>; the base URL is the server root (the SDK adds <c>/v1/messages</c>).</summary>
public class AnthropicWireHost() : LlmWireHost("anthropic", "claude-test", "/");

/// <summary><c>Llm:Provider=openai</c>; the base URL ends in <c>/v1</c> (the SDK adds <c>/chat/completions</c>).</summary>
public sealed class OpenAIWireHost() : LlmWireHost("openai", "gpt-test", "/v1");
