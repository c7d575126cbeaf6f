using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bot.Tests.Support;

/// <summary>
/// A small fake of Slack's Web API on 127.0.0.1: <c>POST /api/&lt;method&gt;</c> with JSON bodies, <c>ok:false</c>
/// errors with HTTP 200, and <c>ratelimited</c> (HTTP 429, <c>Retry-After</c>) or another error on demand. It records
/// every call (a refused one under <c>method#ratelimited</c> or <c>method#failed</c>: Slack did not post it).
/// </summary>
public sealed class FakeSlackApi : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private readonly List<(string Method, JsonObject Body)> calls = [];
    private readonly List<Fault> faults = [];
    private int nextTs;
    private int rateLimitsLeft;

    private sealed class Fault(string marker, int count, string error)
    {
        public string Marker { get; } = marker;
        public int Left { get; set; } = count;
        public string Error { get; } = error;
    }

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

    /// <summary>
    /// The next <paramref name="count"/> chat.postMessage calls whose text contains <paramref name="marker"/> are refused
    /// with <paramref name="error"/> (<c>ok:false</c>, HTTP 200, as Slack answers its errors) and post nothing. The default,
    /// <c>rate_limited</c> ("posted too many messages"), is transient and one of the errors Slack's Web API spec lists for
    /// chat.postMessage (the spec's list is stale, but the fake's answers stay within it).
    /// </summary>
    public void FailPostsContaining(string marker, int count, string error = "rate_limited")
    {
        lock (faults)
        {
            faults.Add(new Fault(marker, count, error));
        }
    }

    private string? TakeFault(JsonObject body)
    {
        var text = (string?)body["text"] ?? string.Empty;
        lock (faults)
        {
            var fault = faults.FirstOrDefault(f => f.Left > 0 && text.Contains(f.Marker, StringComparison.Ordinal));
            if (fault is null)
            {
                return null;
            }
            fault.Left--;
            return fault.Error;
        }
    }

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
            sessions.Add(Task.Run(async () =>
            {
                try
                {
                    await AnswerAsync(context);
                }
                catch (Exception exception) when (exception is HttpListenerException or IOException or WebSocketException or ObjectDisposedException)
                {
                    // The client went away; nothing to answer.
                }
            }));
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentBag<Task> sessions = [];
    private readonly List<string> acks = [];
    private WebSocket? socket;
    private int connections;

    public string AppToken { get; } = "xapp-fake-" + Guid.NewGuid().ToString("N");

    /// <summary>How many Socket Mode connections the bot has opened.</summary>
    public int SocketConnections => Volatile.Read(ref connections);

    /// <summary>The envelope ids the bot acknowledged.</summary>
    public IReadOnlyList<string> Acks
    {
        get
        {
            lock (acks)
            {
                return [.. acks];
            }
        }
    }

    /// <summary>Sends one Socket Mode message (an envelope, or a disconnect) to the connected bot.</summary>
    public async Task SendSocketAsync(JsonObject message)
    {
        var current = socket ?? throw new InvalidOperationException("No Socket Mode connection.");
        await current.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    private async Task ServeSocketAsync(HttpListenerContext context)
    {
        var accepted = await context.AcceptWebSocketAsync(subProtocol: null);
        var ws = accepted.WebSocket;
        socket = ws;
        Interlocked.Increment(ref connections);
        await ws.SendAsync(Encoding.UTF8.GetBytes("""{"type":"hello","num_connections":1,"debug_info":{"host":"fake"},"connection_info":{"app_id":"A0APP"}}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        while (ws.State == WebSocketState.Open)
        {
            var result = await ws.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                break;
            }
            var ack = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count));
            lock (acks)
            {
                acks.Add((string?)ack?["envelope_id"] ?? "?");
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        if (path.StartsWith("/socket", StringComparison.Ordinal) && context.Request.IsWebSocketRequest)
        {
            await ServeSocketAsync(context);
            return;
        }
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var method = path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api/".Length..] : path;
        if (method == "apps.connections.open")
        {
            await WriteAsync(context, 200, context.Request.Headers["Authorization"] == "Bearer " + AppToken
                ? new JsonObject { ["ok"] = true, ["url"] = $"ws://127.0.0.1:{Port}/socket/{SocketConnections + 1}" }
                : new JsonObject { ["ok"] = false, ["error"] = "invalid_auth" });
            return;
        }
        if (context.Request.Headers["Authorization"] != "Bearer " + Token)
        {
            await WriteAsync(context, 200, new JsonObject { ["ok"] = false, ["error"] = "not_authed" });
            return;
        }
        var body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject ?? [] : [];
        var limited = method == "chat.postMessage" && Interlocked.Decrement(ref rateLimitsLeft) >= 0;
        var failed = method == "chat.postMessage" && !limited ? TakeFault(body) : null;
        lock (calls)
        {
            // A refused call is recorded apart: Slack did not post it.
            calls.Add((limited ? method + "#ratelimited" : failed is not null ? method + "#failed" : method, body));
        }
        switch (method)
        {
            case "chat.postMessage" when limited:
                context.Response.Headers["Retry-After"] = "1";
                await WriteAsync(context, 429, new JsonObject { ["ok"] = false, ["error"] = "ratelimited" });
                return;
            case "chat.postMessage" when failed is not null:
                await WriteAsync(context, 200, new JsonObject { ["ok"] = false, ["error"] = failed });
                return;
            case "chat.postMessage":
                var ts = string.Create(CultureInfo.InvariantCulture, $"1800000000.{Interlocked.Increment(ref nextTs):000000}");
                await WriteAsync(context, 200, new JsonObject
                {
                    ["ok"] = true,
                    ["channel"] = (string?)body["channel"],
                    ["ts"] = ts,
                    ["message"] = Message(ts, body),
                });
                return;
            case "chat.update":
                var updatedText = (string?)body["text"] ?? "";
                await WriteAsync(context, 200, new JsonObject
                {
                    ["ok"] = true, ["channel"] = (string?)body["channel"], ["ts"] = (string?)body["ts"], ["text"] = updatedText,
                    ["message"] = new JsonObject { ["text"] = updatedText },
                });
                return;
            case "chat.postEphemeral":
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["message_ts"] = "1800000000.999999" });
                return;
            case "views.publish":
                // The published view as Slack returns it: the view with the ids Slack gives it.
                var view = body["view"] is JsonObject published ? (JsonObject)published.DeepClone() : new JsonObject();
                view["id"] = "V0HOME" + Interlocked.Increment(ref nextTs).ToString(CultureInfo.InvariantCulture);
                view["team_id"] = "T0FAKE";
                view["hash"] = "1800000000.home";
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["view"] = view });
                return;
            case "auth.test":
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["team_id"] = "T0FAKE", ["user_id"] = "U0BOT", ["bot_id"] = "B0BOT" });
                return;
            default:
                await WriteAsync(context, 200, new JsonObject { ["ok"] = false, ["error"] = "unknown_method" });
                return;
        }
    }

    /// <summary>The posted message as Slack returns it (the shape its Web API spec gives <c>objs_message</c>).</summary>
    private static JsonObject Message(string ts, JsonObject body)
    {
        var message = new JsonObject { ["type"] = "message", ["ts"] = ts, ["text"] = (string?)body["text"] ?? "", ["bot_id"] = "B0FAKEBOT1", ["user"] = "U0FAKEBOT1" };
        if ((string?)body["thread_ts"] is { } threadTs)
        {
            message["thread_ts"] = threadTs;
        }
        return message;
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
        if (socket is { State: WebSocketState.Open } open)
        {
            open.Abort();
        }
        listener.Stop();
        listener.Close();
        await loop;
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
