using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Bot.Tests.Support;

namespace Bot.Tests.EndToEnd.Teams;

/// <summary>
/// Microsoft's Teams playground (<c>@microsoft/m365agentsplayground</c>) on 127.0.0.1, driven over its HTTP API; what
/// the bot sends arrives on its WebSocket. It is the connector at the activities' serviceUrl. Stopped by its PID.
/// </summary>
public sealed class TeamsPlayground : IAsyncDisposable
{
    public const string ConversationId = "personal-conv-1";
    public const string UserId = "user-id-0";

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly ClientWebSocket socket = new();
    private readonly CancellationTokenSource closing = new();
    private Task? reading;

    public int Port { get; }
    public HttpClient Http { get; }
    public ConcurrentQueue<JsonObject> Frames { get; } = new();
    public string Output { get { lock (output) { return output.ToString(); } } }

    private TeamsPlayground(Process process, int port)
    {
        this.process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(90) };
    }

    public static async Task<TeamsPlayground> StartAsync(int botPort)
    {
        var port = Ports.GetFree();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Peers,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--require", Path.Combine(RepoPaths.Peers, "loopback-listen.cjs"),
            Path.Combine(RepoPaths.Peers, "node_modules", "@microsoft", "m365agentsplayground", "cli.js"),
            "-e", $"http://127.0.0.1:{botPort}/api/messages", "-c", "msteams", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--conversation-id", ConversationId, "--service-url", $"http://127.0.0.1:{port}/_connector", "--disable-telemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["TEAMSAPPTESTER_BROWSER"] = "none";
        var playground = new TeamsPlayground(Process.Start(start)!, port);
        playground.process.OutputDataReceived += (_, e) => playground.Append(e.Data);
        playground.process.ErrorDataReceived += (_, e) => playground.Append(e.Data);
        playground.process.BeginOutputReadLine();
        playground.process.BeginErrorReadLine();
        await Eventually.GetAsync(async () =>
        {
            try
            {
                using var response = await playground.Http.GetAsync("/");
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, up => up || playground.process.HasExited, "the Teams playground to listen", TimeSpan.FromSeconds(90));
        await playground.socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream"), CancellationToken.None);
        playground.reading = playground.ReadAsync();
        return playground;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (!closing.IsCancellationRequested)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, closing.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (JsonNode.Parse(message.ToArray()) is JsonObject frame)
                {
                    Frames.Enqueue(frame);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
        }
    }

    /// <summary>The user types a message in the personal chat.</summary>
    public async Task SendAsync(string text)
    {
        using var response = await Http.PostAsJsonAsync($"/_conversation/v1/conversations/{ConversationId}/messages",
            new { text, textFormat = "plain", from = new { id = UserId } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The bot's messages (createMessage frames) so far.</summary>
    public IEnumerable<JsonObject> BotMessages(string action = "createMessage") =>
        Frames.Where(f => f["action"]?.GetValue<string>() == action).Select(f => f["message"]!.AsObject());

    public async ValueTask DisposeAsync()
    {
        await closing.CancelAsync();
        if (reading is not null)
        {
            await reading;
        }
        socket.Dispose();
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        closing.Dispose();
    }
}
