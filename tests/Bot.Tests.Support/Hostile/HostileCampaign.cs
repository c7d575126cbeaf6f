using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Bot.Tests.Support.Hostile;

/// <summary>What a campaign found; <see cref="Problems"/> is empty when every promise held.</summary>
public sealed record HostileReport(
    int Seed,
    int Requests,
    IReadOnlyDictionary<string, int> ByOutcome,
    IReadOnlyDictionary<string, int> ByEndpoint,
    int ServerErrors,
    int UnhandledExceptionLines,
    int ErrorLines,
    int RefusalWarningLines,
    int RefusedButStored,
    long RssAtStartBytes,
    long PeakRssBytes,
    long RssGrowthLimitBytes,
    TimeSpan Elapsed,
    IReadOnlyList<string> Problems)
{
    public string Format()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"hostile-input campaign: seed {Seed}, {Requests:N0} requests in {Elapsed.TotalSeconds:0.0} s against a real host (Teams JWT, Slack signing, Telegram webhook secret, Direct Line tokens; all channels on)");
        text.AppendLine("  responses by outcome:");
        foreach (var (outcome, count) in ByOutcome.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {outcome,-34} {count,6:N0}");
        }
        text.AppendLine("  requests by endpoint:");
        foreach (var (endpoint, count) in ByEndpoint.OrderByDescending(p => p.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {endpoint,-50} {count,6:N0}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"  responses >= 500:                       {ServerErrors}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  unhandled-exception log lines:          {UnhandledExceptionLines}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  error log lines (any cause):            {ErrorLines}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  refusal warning lines:                  {RefusalWarningLines}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  refused requests that stored something: {RefusedButStored}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  host memory: {RssAtStartBytes / 1048576.0:0} MB resident after start, peak {PeakRssBytes / 1048576.0:0} MB (limit: start + {RssGrowthLimitBytes / 1048576.0:0} MB)");
        text.AppendLine(Problems.Count == 0 ? "  verdict: every promise held" : $"  verdict: {Problems.Count} problem(s):");
        foreach (var problem in Problems.Take(40))
        {
            text.AppendLine("    - " + problem);
        }
        return text.ToString();
    }
}

/// <summary>
/// The hostile-input campaign: starts a real host (the built BotHost.dll, as a process) with every channel on, behind
/// its real credentials checks (Teams JWT against a local OpenID/JWKS server, Slack's signing secret, Telegram's webhook
/// secret, Direct Line tokens), then sends <see cref="HostileRequests"/> one at a time and checks, for each, that the
/// answer is not a 5xx and that a refused request stored nothing (inbox, conversations, users, identities). A burst of
/// concurrent oversized chunked posts checks that memory stays bounded. At the end, the host's log is searched for
/// unhandled exceptions. Everything it starts it stops.
/// </summary>
public static class HostileCampaign
{
    /// <summary>How far resident memory may grow over the run. A body is never held beyond its endpoint's bound.</summary>
    private const long RssGrowthLimit = 256L * 1024 * 1024;

    private static readonly Regex Unhandled = new("unhandled exception", RegexOptions.IgnoreCase | RegexOptions.Compiled);

    public static async Task<HostileReport> RunAsync(int requests, int seed, Action<string>? progress = null)
    {
        await using var all = await AllChannelsHost.StartAsync();
        var (host, http, botFramework) = (all.Host, all.Http, all.BotFramework);
        var (conversationId, token) = await all.DirectLineConversationAsync();
        var credentials = new HostileCredentials(
            AllChannelsHost.SlackSecret, AllChannelsHost.TelegramSecret,
            () => botFramework.Token(),
            () => botFramework.Token(signWith: botFramework.OtherKey),
            botFramework.ServiceUrl, FakeBotFramework.AppId,
            conversationId, token);

        // Warm up (JIT, pools, the first JWKS fetch), then take the baseline.
        using (var warm = HostileRequests.ToHttp(new HostileRequest("warm-up", "warm-up", HttpMethod.Get, "/health/ready")))
        {
            (await http.SendAsync(warm)).Dispose();
        }
        var rssAtStart = host.ResidentBytes();
        var peakRss = rssAtStart;

        var generator = new HostileRequests(seed, credentials);
        var byOutcome = new Dictionary<string, int>(StringComparer.Ordinal);
        var byEndpoint = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        var serverErrors = 0;
        var refusedButStored = 0;
        var clock = Stopwatch.StartNew();
        var stored = await all.StoredAsync();

        // A burst first, concurrent as an attacker would send it: oversized chunked bodies, unauthenticated and signed.
        var burst = Enumerable.Range(0, 16).Select(i => new HostileRequest("/api/messages", "burst: 28 MB chunked", HttpMethod.Post, "/api/messages")
        {
            Chunked = true,
            StreamBytes = 28L * 1024 * 1024,
            ContentType = "application/json",
            Headers = i % 2 == 0 ? [] : [("Authorization", "Bearer " + credentials.TeamsToken())],
        }).Concat(Enumerable.Range(0, 8).Select(i => new HostileRequest("/telegram/webhook", "burst: 28 MB chunked", HttpMethod.Post, "/telegram/webhook")
        {
            Chunked = true,
            StreamBytes = 28L * 1024 * 1024,
            ContentType = "application/json",
            Headers = [("X-Telegram-Bot-Api-Secret-Token", AllChannelsHost.TelegramSecret)],
        })).ToList();
        var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, host.ResidentBytes());
                await Task.Delay(20);
            }
        });
        var burstResults = await Task.WhenAll(burst.Select(r => SendAsync(http, r)));
        foreach (var (request, result) in burst.Zip(burstResults))
        {
            Tally(request, result, byOutcome, byEndpoint);
            if (result.Status >= 500)
            {
                serverErrors++;
                problems.Add($"{request}: answered {result.Status}");
            }
        }
        if (await all.StoredAsync() != stored)
        {
            refusedButStored += burst.Count;
            problems.Add("the oversized burst stored something");
        }

        for (var i = 0; i < requests; i++)
        {
            var request = generator.Next();
            var result = await SendAsync(http, request);
            Tally(request, result, byOutcome, byEndpoint);
            if (result.Status >= 500)
            {
                serverErrors++;
                problems.Add($"#{i} {request}: answered {result.Status} {Truncate(result.Body)}");
            }
            else if (result.Status < 0)
            {
                problems.Add($"#{i} {request}: {Truncate(result.Body)}");
            }
            var now = await all.StoredAsync();
            if (result.Refused && now != stored)
            {
                refusedButStored++;
                problems.Add($"#{i} {request}: refused ({result.Status}) but stored rows ({stored} -> {now})");
            }
            stored = now;
            if (i % 250 == 249)
            {
                progress?.Invoke($"{i + 1:N0} of {requests:N0} sent ({serverErrors} >= 500, {refusedButStored} refused-but-stored)");
            }
        }
        await sampling.CancelAsync();
        await sampler;
        peakRss = Math.Max(peakRss, host.PeakResidentBytes());
        clock.Stop();

        // Let the turns of the accepted messages run, so their log lines (if any fail) are in the count too.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var lines = host.Output.Split('\n');
        var unhandled = lines.Where(l => Unhandled.IsMatch(l)).ToList();
        var errors = lines.Count(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal));
        var refusals = lines.Count(l => l.Contains("Refused ", StringComparison.Ordinal) || l.Contains(" refused", StringComparison.Ordinal));
        foreach (var line in unhandled.Take(10))
        {
            problems.Add("host log: " + Truncate(line));
        }
        if (host.HasExited)
        {
            problems.Add("the host exited during the campaign");
        }
        if (peakRss - rssAtStart > RssGrowthLimit)
        {
            problems.Add($"resident memory grew by {(peakRss - rssAtStart) / 1048576} MB (limit {RssGrowthLimit / 1048576} MB)");
        }
        return new HostileReport(seed, requests + burst.Count, byOutcome, byEndpoint, serverErrors, unhandled.Count, errors, refusals,
            refusedButStored, rssAtStart, peakRss, RssGrowthLimit, clock.Elapsed, problems);
    }

    private sealed record Result(int Status, string Body, bool Refused, string Outcome);

    private static async Task<Result> SendAsync(HttpClient http, HostileRequest request)
    {
        using var message = HostileRequests.ToHttp(request);
        try
        {
            using var response = await http.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            // Refused: a 4xx, or a 200 that says so (platforms that retry anything else get the reason in the body).
            var refusedInBody = status == 200 && body.Contains("\"refused\"", StringComparison.Ordinal);
            var refused = status is >= 400 and < 500 || refusedInBody;
            var outcome = refusedInBody ? "200 refused (platform must not retry)" : status.ToString(CultureInfo.InvariantCulture) + " " + (response.ReasonPhrase ?? string.Empty);
            return new Result(status, body, refused, outcome);
        }
        catch (HttpRequestException exception) when (request.Chunked || request.DeclaredLength is not null || request.Body is { Length: > 32 * 1024 })
        {
            // The server answered and closed the connection while a body it would not read was still being sent.
            return new Result(0, exception.Message, true, "connection closed mid-upload (refused)");
        }
        catch (HttpRequestException exception)
        {
            // No answer at all to a request that was sent whole: a finding of its own (reported, not thrown).
            return new Result(-1, exception.Message + " " + exception.InnerException?.Message, true, "no response");
        }
    }

    private static void Tally(HostileRequest request, Result result, Dictionary<string, int> byOutcome, Dictionary<string, int> byEndpoint)
    {
        byOutcome[result.Outcome] = byOutcome.GetValueOrDefault(result.Outcome) + 1;
        byEndpoint[request.Method + " " + request.Endpoint] = byEndpoint.GetValueOrDefault(request.Method + " " + request.Endpoint) + 1;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
