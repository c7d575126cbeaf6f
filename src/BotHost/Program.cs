using Bot.BotHost.Hosting;
using Microsoft.Extensions.Options;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddBotHost();

    var app = builder.Build();
    app.MapBotHost();

    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is StartupConfigurationException or OptionsValidationException)
{
    // Misconfiguration is the operator's to fix: say which setting, without a stack trace.
    await Console.Error.WriteLineAsync("The bot cannot start: " + exception.Message);
    return 2;
}

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
