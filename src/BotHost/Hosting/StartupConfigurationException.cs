namespace Bot.BotHost.Hosting;

/// <summary>A setting is missing or wrong; the message names it and says what to do.</summary>
public sealed class StartupConfigurationException(string message) : Exception(message);
