using Bot.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Integration;

/// <summary>The real host in-process (WebApplicationFactory) on a database of its own in the test PostgreSQL.</summary>
public class BotAppFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly bool ownsDatabase = true;
    private TestDatabase? database;

    public BotAppFactory()
    {
    }

    /// <summary>A host on a database that the test owns (to start several hosts on it one after another).</summary>
    protected BotAppFactory(TestDatabase existing)
    {
        database = existing;
        ownsDatabase = false;
    }

    public TestDatabase Database => database ?? throw new InvalidOperationException("not initialised");

    /// <summary>Settings for this host, as configuration keys (Section:Key).</summary>
    protected virtual IDictionary<string, string> Settings => new Dictionary<string, string>();

    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        database ??= await TestDatabase.CreateAsync();
        // Start the host now, so migrations are applied before a test touches the database.
        _ = Server;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Bot", Database.ConnectionString);
        builder.UseSetting("Pipeline:PollSeconds", "0.2");
        builder.UseSetting("DataProtection:KeyFile", TestKeyFile.Shared.Path); // Settings may name another
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(ConfigureTestServices);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (database is not null && ownsDatabase)
        {
            await database.DisposeAsync();
        }
    }
}

/// <summary>A host that records messages but runs no turns and sends nothing: the test drives the pipeline by hand.</summary>
public class IngestOnlyFactory : BotAppFactory
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Pipeline:TurnWorkers"] = "0",
        ["Pipeline:OutboxSenders"] = "0",
    };
}
