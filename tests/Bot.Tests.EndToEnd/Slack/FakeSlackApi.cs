using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Slack;

/// <summary>
/// A small fake of Slack's Web API on 127.0.0.1: <c>POST /api/&lt;method&gt;</c> with JSON bodies, <c>ok:false</c>
/// errors with HTTP 200, and <c>ratelimited</c> (HTTP 429, <c>Retry-After</c>) on demand. It records every call.
/// </summary>
public sealed class FakeSlackApi : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private readonly List<(string Method, JsonObject Body)> calls = [];
    private int nextTs;
    private int rateLimitsLeft;

    public sealed record Call(string Method, JsonObject Body);

    private FakeSlackApi(int port)
    {
        Port = port;
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string ApiBaseUrl => $"http://127.0.0.1:{Port}/api";

    public string Token { get; } = "xoxb-fake-" + Guid.NewGuid().ToString("N");

    public static FakeSlackApi Start() => new(Ports.GetFree());

    /// <summary>The next <paramref name="count"/> chat.postMessage calls answer HTTP 429 <c>ratelimited</c>.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref rateLimitsLeft, count);

    public IReadOnlyList<Call> Calls(string method)
    {
        lock (calls)
        {
            return calls.Where(c => c.Method == method).Select(c => new Call(c.Method, c.Body)).ToList();
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await AnswerAsync(context);
            }
            catch (Exception exception) when (exception is HttpListenerException or IOException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var method = path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api/".Length..] : path;
        if (context.Request.Headers["Authorization"] != "Bearer " + Token)
        {
            await WriteAsync(context, 200, new JsonObject { ["ok"] = false, ["error"] = "not_authed" });
            return;
        }
        var body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject ?? [] : [];
        var limited = method == "chat.postMessage" && Interlocked.Decrement(ref rateLimitsLeft) >= 0;
        lock (calls)
        {
            // A rate-limited call is recorded apart: Slack did not post it.
            calls.Add((limited ? method + "#ratelimited" : method, body));
        }
        switch (method)
        {
            case "chat.postMessage" when limited:
                context.Response.Headers["Retry-After"] = "1";
                await WriteAsync(context, 429, new JsonObject { ["ok"] = false, ["error"] = "ratelimited" });
                return;
            case "chat.postMessage":
                var ts = string.Create(CultureInfo.InvariantCulture, $"1800000000.{Interlocked.Increment(ref nextTs):000000}");
                await WriteAsync(context, 200, new JsonObject
                {
                    ["ok"] = true,
                    ["channel"] = (string?)body["channel"],
                    ["ts"] = ts,
                    ["message"] = new JsonObject { ["ts"] = ts, ["thread_ts"] = (string?)body["thread_ts"], ["text"] = (string?)body["text"] },
                });
                return;
            case "chat.update":
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["channel"] = (string?)body["channel"], ["ts"] = (string?)body["ts"] });
                return;
            case "chat.postEphemeral":
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["message_ts"] = "1800000000.999999" });
                return;
            case "auth.test":
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["team_id"] = "T0FAKE", ["user_id"] = "U0BOT", ["bot_id"] = "B0BOT" });
                return;
            default:
                await WriteAsync(context, 200, new JsonObject { ["ok"] = false, ["error"] = "unknown_method" });
                return;
        }
    }

    private static async Task WriteAsync(HttpListenerContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await loop;
    }
}
