using System.Diagnostics;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd;

/// <summary><c>./bot status</c> against a running host: the operator's view printed as lines.</summary>
public class BotStatusCommandTests
{
    [Fact]
    public async Task Bot_status_prints_the_running_services_channels_backlog_schedules_and_model_usage()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var host = await BotHostProcess.StartAsync(database.ConnectionString);
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "bot"), "status"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["BOT_URL"] = host.BaseUrl.ToString().TrimEnd('/');
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await errors);
        var text = await output;
        Assert.Contains("inbox: 0 waiting for a turn", text, StringComparison.Ordinal);
        Assert.Contains("web: on, 0 replies waiting", text, StringComparison.Ordinal);
        Assert.Contains("schedules: 0 on, 0 paused, 0 runs queued", text, StringComparison.Ordinal);
        Assert.Contains("model: 0 tokens today", text, StringComparison.Ordinal);
    }
}
