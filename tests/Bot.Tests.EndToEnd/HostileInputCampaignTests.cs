using System.Globalization;
using Bot.Tests.Support.Hostile;
using Xunit.Abstractions;

namespace Bot.Tests.EndToEnd;

/// <summary>
/// The short form of the hostile-input campaign (<see cref="HostileCampaign"/>) inside <c>./bot test</c>: a few hundred
/// seeded requests, plus a burst of oversized chunked posts. <c>./bot fuzz</c> runs the long form (BOT_FUZZ_REQUESTS,
/// BOT_FUZZ_SEED) through this same test and prints the report (BOT_FUZZ_REPORT).
/// </summary>
public class HostileInputCampaignTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Malformed_oversized_forged_and_out_of_range_requests_get_no_5xx_store_nothing_when_refused_and_leave_memory_bounded()
    {
        var requests = int.TryParse(Environment.GetEnvironmentVariable("BOT_FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var n) ? n : 400;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("BOT_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261207;
        var report = await HostileCampaign.RunAsync(requests, seed, line => output.WriteLine(line));
        var text = report.Format();
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable("BOT_FUZZ_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, text);
        }

        Assert.True(report.Problems.Count == 0, text);
        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.UnhandledExceptionLines);
        Assert.Equal(0, report.RefusedButStored);
        // The campaign must have exercised both sides: requests refused, and well-formed ones accepted.
        Assert.Contains(report.ByOutcome, o => o.Key.StartsWith('4') && o.Value > 10);
        Assert.Contains(report.ByOutcome, o => o.Key.StartsWith('2') && !o.Key.Contains("refused", StringComparison.Ordinal) && o.Value > 10);
    }
}
