using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;

namespace Bot.Tests.Integration.LlmWire;

/// <summary>
/// The Direct Line WebSocket a web chat holds open, read in the background: every activity it pushes, including
/// the live ones (typing, text as it streams) that are never stored and so never show in <c>GET .../activities</c>.
/// </summary>
public sealed class DirectLineLiveStream : IAsyncDisposable
{
    private readonly WebSocket socket;
    private readonly CancellationTokenSource stop = new();
    private readonly List<JsonElement> activities = [];
    private readonly Task reading;

    private DirectLineLiveStream(WebSocket socket)
    {
        this.socket = socket;
        reading = ReadAsync();
    }

    public static async Task<DirectLineLiveStream> ConnectAsync(TestServer server, string streamUrl)
    {
        var socket = await server.CreateWebSocketClient().ConnectAsync(new Uri(streamUrl), CancellationToken.None);
        return new DirectLineLiveStream(socket);
    }

    public IReadOnlyList<JsonElement> Activities
    {
        get
        {
            lock (activities)
            {
                return [.. activities];
            }
        }
    }

    /// <summary>Typing activities that carry the reply so far (Web Chat's livestreaming form).</summary>
    public IReadOnlyList<string> StreamedTexts =>
        Activities.Where(a => a.GetProperty("type").GetString() == "typing" && a.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(a => a.GetProperty("text").GetString()!)
            .ToList();

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                frame.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var set = JsonElement.Parse(Encoding.UTF8.GetString(frame.ToArray()));
                frame.SetLength(0);
                lock (activities)
                {
                    activities.AddRange(set.GetProperty("activities").EnumerateArray());
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // Closed by either side (the in-memory test socket reports a close as IOException).
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                // Output only: the reader is the one receiving, and it ends on the server's close frame.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "test done", timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
            }
        }
        if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2))) != reading)
        {
            await stop.CancelAsync();
        }
        await reading;
        socket.Dispose();
        stop.Dispose();
    }
}
