using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bot.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>One HTTP request a model SDK sent, as it arrived on the wire.</summary>
public sealed record LlmRequest(
    int Number,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    JsonElement Json,
    TimeSpan ReceivedAt)
{
    /// <summary>The name of the scripted reply that answered it; null when nothing in the script matched.</summary>
    public string? AnsweredBy { get; internal set; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public bool IsStreaming => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;

    public override string ToString() => $"#{Number} +{ReceivedAt.TotalMilliseconds:0} ms {Method} {Path} stream={IsStreaming} -> {AnsweredBy ?? "(unscripted)"}";
}

public abstract record ScriptedReply;

/// <summary>A plain JSON answer (a non-streaming completion, or an error with its status and headers).</summary>
public sealed record JsonReply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null) : ScriptedReply;

/// <summary>A Server-Sent Events answer; each frame is flushed on its own, after its delay.</summary>
public sealed record SseReply(IReadOnlyList<SseFrame> Frames) : ScriptedReply;

/// <summary>One SSE frame: an optional <c>event:</c> line and one <c>data:</c> line.</summary>
public sealed record SseFrame(string? Event, string Data, TimeSpan Delay = default);

/// <summary>
/// A stand-in for a model provider's HTTP API, for tests that run the real SDKs over the real wire: Kestrel on
/// 127.0.0.1 and a free port, every request recorded (headers and body), each answered by the first scripted reply
/// whose condition matches and that has uses left. A request nothing matches gets a 400 (which no SDK retries), so
/// a script that does not fit the conversation fails fast and visibly. Disposing stops it (and, when the variable
/// <c>LLMWIRE_DUMP</c> names a file, appends the transcript of what the SDK sent to it, for reading the wire).
/// </summary>
public sealed class ScriptedLlmServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<Rule> rules = [];
    private readonly List<LlmRequest> requests = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private ScriptedLlmServer(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<LlmRequest> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    public static async Task<ScriptedLlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ScriptedLlmServer(app);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.Single(u => u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
        return server;
    }

    /// <summary>Adds a reply for requests that match <paramref name="when"/>, used <paramref name="times"/> times (null: always).</summary>
    public void Script(string name, Func<LlmRequest, bool> when, ScriptedReply reply, int? times = 1)
    {
        lock (rules)
        {
            rules.Add(new Rule(name, when, reply, times));
        }
    }

    /// <summary>Waits until the recorded requests satisfy <paramref name="done"/>.</summary>
    public Task<IReadOnlyList<LlmRequest>> WaitForAsync(Func<IReadOnlyList<LlmRequest>, bool> done, string what) =>
        Eventually.GetAsync(() => Task.FromResult(Requests), done, what);

    public IReadOnlyList<LlmRequest> AnsweredBy(string name) => Requests.Where(r => r.AnsweredBy == name).ToList();

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var json = JsonElement.Parse(body.Length > 0 ? body : "null");
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        LlmRequest request;
        lock (requests)
        {
            request = new LlmRequest(requests.Count + 1, context.Request.Method, context.Request.Path.Value ?? "", headers, body, json, clock.Elapsed);
            requests.Add(request);
        }

        var rule = Take(request);
        if (rule is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                JsonSerializer.Serialize(new { error = new { type = "invalid_request_error", message = $"The test script has no reply for {request}." } }),
                context.RequestAborted);
            return;
        }

        switch (rule.Reply)
        {
            case JsonReply reply:
                context.Response.StatusCode = reply.Status;
                foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[name] = value;
                }
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(reply.Body, context.RequestAborted);
                break;
            case SseReply reply:
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "text/event-stream; charset=utf-8";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.Body.FlushAsync(context.RequestAborted);
                foreach (var frame in reply.Frames)
                {
                    if (frame.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(frame.Delay, context.RequestAborted);
                    }
                    var text = (frame.Event is null ? "" : $"event: {frame.Event}\n") + $"data: {frame.Data}\n\n";
                    await context.Response.WriteAsync(text, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
                break;
        }
    }

    private Rule? Take(LlmRequest request)
    {
        lock (rules)
        {
            var rule = rules.FirstOrDefault(r => r.UsesLeft is null or > 0 && r.When(request));
            if (rule is not null)
            {
                rule.UsesLeft--;
                request.AnsweredBy = rule.Name;
            }
            return rule;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("LLMWIRE_DUMP") is { Length: > 0 } dump)
        {
            await File.AppendAllLinesAsync(dump, Requests.SelectMany(r => new[] { r.ToString() }.Concat(r.Headers.Select(h => $"  {h.Key}: {h.Value}")).Append("  " + r.Body)));
        }
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private sealed class Rule(string name, Func<LlmRequest, bool> when, ScriptedReply reply, int? times)
    {
        public string Name { get; } = name;
        public Func<LlmRequest, bool> When { get; } = when;
        public ScriptedReply Reply { get; } = reply;
        public int? UsesLeft { get; set; } = times;
    }
}
