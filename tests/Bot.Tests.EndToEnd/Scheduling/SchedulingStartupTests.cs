using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Scheduling;

/// <summary>A wrong scheduling setting stops the host at start, naming the setting.</summary>
public class SchedulingStartupTests
{
    [Fact]
    public async Task An_out_of_range_misfire_grace_is_named()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (exit, output) = await BotHostProcess.RunExpectingExitAsync(db.ConnectionString, new Dictionary<string, string> { ["Scheduling:MisfireGraceMinutes"] = "-5" });
        Assert.Equal(2, exit);
        Assert.Contains("Scheduling:MisfireGraceMinutes must be between 0 and 1440", output, StringComparison.Ordinal);
    }
}
