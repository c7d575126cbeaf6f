using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Bot.Bench.DirectLine;

/// <summary>What one message took: POST until its 200, until its echo and until the bot's reply on the WebSocket.</summary>
internal readonly record struct Sample(long SentAt, double AckMs, double EchoMs, double ReplyMs);

/// <summary>
/// One Direct Line conversation as a client holds it: a token, the WebSocket stream, and the messages in flight.
/// The bot's activities carry no <c>replyToId</c> naming the user's message, so replies are matched by order: turns
/// run one at a time per conversation in the order the messages were recorded, and the outbox delivers in that order.
/// A message is only sent once every earlier one on the conversation was acknowledged (so committed): recording order
/// is then send order, and the first unanswered, echoed message is the one a bot activity answers.
/// </summary>
internal sealed class BenchConversation : IAsyncDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient http;
    private readonly Uri activitiesUrl;
    private readonly AuthenticationHeaderValue authorization;
    private readonly ClientWebSocket socket = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private Task receiving = Task.CompletedTask;
    private readonly List<Message> inFlight = [];

    private BenchConversation(HttpClient http, Uri baseUrl, string conversationId, string token)
    {
        this.http = http;
        ConversationId = conversationId;
        activitiesUrl = new Uri(baseUrl, $"v3/directline/conversations/{conversationId}/activities");
        authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string ConversationId { get; }

    /// <summary>Bot activities that arrived when no message of ours was waiting for one (should stay 0).</summary>
    public int UnexpectedBotActivities { get; private set; }

    /// <summary>Messages sent and not yet answered.</summary>
    public int InFlightCount
    {
        get
        {
            lock (gate)
            {
                return inFlight.Count;
            }
        }
    }

    /// <summary>True when every message in flight has been acknowledged, so another may be sent.</summary>
    public bool CanSend
    {
        get
        {
            lock (gate)
            {
                return inFlight.TrueForAll(m => m.AckAt != 0);
            }
        }
    }

    public static async Task<BenchConversation> StartAsync(HttpClient http, Uri baseUrl, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(baseUrl, "v3/directline/conversations"), null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /v3/directline/conversations answered {(int)response.StatusCode}: {body}");
        }
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var conversation = new BenchConversation(http, baseUrl,
            root.GetProperty("conversationId").GetString()!, root.GetProperty("token").GetString()!);
        await conversation.socket.ConnectAsync(new Uri(root.GetProperty("streamUrl").GetString()!), cancellationToken);
        conversation.receiving = conversation.ReceiveLoopAsync();
        return conversation;
    }

    /// <summary>Posts one message and waits for its reply on the stream; throws if it is refused or not answered in time.</summary>
    public async Task<Sample> SendAsync(string clientActivityId, string text, bool awaitReply, TimeSpan replyTimeout, CancellationToken cancellationToken)
    {
        var message = new Message(clientActivityId);
        lock (gate)
        {
            if (!inFlight.TrueForAll(m => m.AckAt != 0))
            {
                throw new InvalidOperationException("a message was sent before the previous one was acknowledged");
            }
            inFlight.Add(message);
        }
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(new
            {
                type = "message",
                from = new { id = "bench-user", name = "Bench" },
                text,
                channelData = new { clientActivityID = clientActivityId },
            });
            using var content = new ByteArrayContent(payload);
            content.Headers.ContentType = Json;
            using var request = new HttpRequestMessage(HttpMethod.Post, activitiesUrl) { Content = content };
            request.Headers.Authorization = authorization;

            message.SentAt = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var ackAt = Stopwatch.GetTimestamp();
            lock (gate)
            {
                message.AckAt = ackAt;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST activities answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            try
            {
                await (awaitReply ? message.Replied : message.Echoed).Task.WaitAsync(replyTimeout, cancellationToken);
            }
            catch (TimeoutException) when (!message.EchoLost)
            {
                // Say which part never came: an acknowledged message whose echo is missing from the stream was
                // skipped by it (the activity is in the log), which is a protocol failure, not slowness.
                bool echoed;
                lock (gate)
                {
                    echoed = message.EchoAt != 0;
                }
                throw new TimeoutException(echoed
                    ? $"echoed, but no reply on the stream within {replyTimeout.TotalSeconds:0} s"
                    : $"acknowledged, but its echo never arrived on the stream within {replyTimeout.TotalSeconds:0} s",
                    new InvalidOperationException(ConversationId + " " + clientActivityId));
            }
            if (message.EchoLost)
            {
                throw new TimeoutException("acknowledged, but its echo never arrived on the stream (a later message's did)",
                    new InvalidOperationException(ConversationId + " " + clientActivityId));
            }
            return new Sample(
                message.SentAt,
                Stopwatch.GetElapsedTime(message.SentAt, ackAt).TotalMilliseconds,
                Stopwatch.GetElapsedTime(message.SentAt, message.EchoAt).TotalMilliseconds,
                awaitReply ? Stopwatch.GetElapsedTime(message.SentAt, message.ReplyAt).TotalMilliseconds : double.NaN);
        }
        finally
        {
            lock (gate)
            {
                inFlight.Remove(message);
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                frame.SetLength(0);
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), stopping.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    frame.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                var at = Stopwatch.GetTimestamp();
                if (frame.Length > 0)
                {
                    OnFrame(frame.GetBuffer().AsMemory(0, (int)frame.Length), at);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
    }

    private void OnFrame(ReadOnlyMemory<byte> json, long at)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("activities", out var activities))
        {
            return;
        }
        foreach (var activity in activities.EnumerateArray())
        {
            var isBot = activity.TryGetProperty("from", out var from) && from.TryGetProperty("role", out var role) && role.ValueEquals("bot"u8);
            var clientId = activity.TryGetProperty("channelData", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("clientActivityID", out var id) ? id.GetString() : null;
            lock (gate)
            {
                if (clientId is not null)
                {
                    var echoed = inFlight.Find(m => string.Equals(m.ClientActivityId, clientId, StringComparison.Ordinal));
                    if (echoed is not null && echoed.EchoAt == 0)
                    {
                        echoed.EchoAt = at;
                        echoed.Echoed.TrySetResult();
                    }
                }
                else if (isBot)
                {
                    var answered = inFlight.Find(m => m.ReplyAt == 0);
                    if (answered is not null && answered.EchoAt == 0 && inFlight.Exists(m => m != answered && m.EchoAt != 0))
                    {
                        // A later message was echoed but this one never was: the stream skipped its echo. Replies
                        // still come in message order, so this reply is its own; keep matching in step.
                        answered.EchoLost = true;
                    }
                    else if (answered is null || answered.EchoAt == 0)
                    {
                        UnexpectedBotActivities++;
                        continue;
                    }
                    answered.ReplyAt = at;
                    answered.Replied.TrySetResult();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", timeout.Token);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
        }
        await stopping.CancelAsync();
        await receiving;
        socket.Dispose();
        stopping.Dispose();
    }

    private sealed class Message(string clientActivityId)
    {
        public string ClientActivityId { get; } = clientActivityId;
        public TaskCompletionSource Echoed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Replied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long SentAt { get; set; }
        public long AckAt { get; set; }
        public long EchoAt { get; set; }
        public long ReplyAt { get; set; }
        public bool EchoLost { get; set; }
    }
}
