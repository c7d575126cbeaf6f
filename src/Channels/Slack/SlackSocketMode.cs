using Bot.Channels.Inbound;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Bot.Pipeline;

namespace Bot.Channels.Slack;

/// <summary>
/// Socket Mode: <c>apps.connections.open</c> with the app token, then envelopes over a WebSocket. Each envelope is
/// recorded in the inbox before its acknowledgement goes back; a <c>disconnect</c> message, a closed socket or an error
/// reconnects after a growing pause (1 s doubling to 60 s, reset once a connection says hello).
/// </summary>
public sealed class SlackSocketMode(SlackClient client, SlackInbound inbound, IOptions<SlackOptions> options, ILogger<SlackSocketMode> logger) : BackgroundService
{
    private static readonly Backoff Reconnect = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            failures++;
            TimeSpan? wish = null;
            try
            {
                var opened = await client.OpenConnectionAsync(options.Value.AppToken!, stoppingToken);
                if (opened.Ok && opened.Body.TryGetProperty("url", out var url) && url.GetString() is { } address)
                {
                    if (await RunConnectionAsync(new Uri(address), stoppingToken))
                    {
                        failures = 1;
                    }
                }
                else
                {
                    SlackLog.SocketOpenFailed(logger, opened.Error ?? "no url");
                    wish = opened.RetryAfter;
                }
            }
            catch (Exception exception) when (exception is WebSocketException or HttpRequestException or JsonException or IOException)
            {
                SlackLog.SocketError(logger, exception.GetType().Name, exception.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // Slack's Retry-After wins when it asks for longer.
            var backoff = Reconnect.After(failures);
            if (wish > backoff)
            {
                backoff = wish.Value;
            }
            SlackLog.SocketReconnecting(logger, backoff);
            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Serves one connection until Slack asks to reconnect or the socket ends; true when it said hello.</summary>
    private async Task<bool> RunConnectionAsync(Uri url, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        await socket.ConnectAsync(url, cancellationToken);
        var greeted = false;
        while (socket.State == WebSocketState.Open)
        {
            var text = await ReceiveAsync(socket, cancellationToken);
            if (text is null)
            {
                break;
            }
            using var document = JsonDocument.Parse(text);
            var envelope = document.RootElement;
            var type = JsonMembers.Text(envelope, "type");
            if (type == "hello")
            {
                greeted = true;
                SlackLog.SocketConnected(logger);
                continue;
            }
            if (type == "disconnect")
            {
                SlackLog.SocketDisconnectRequested(logger, JsonMembers.Text(envelope, "reason"));
                break;
            }
            if (JsonMembers.Text(envelope, "envelope_id") is not { } envelopeId || !envelope.TryGetProperty("payload", out var payload))
            {
                continue;
            }
            var retry = envelope.TryGetProperty("retry_attempt", out var attempt) ? attempt.ToString() : null;
            var outcome = await inbound.AcceptAsync(type, payload, retry, cancellationToken);
            if (outcome.Result == InboundResult.Refused)
            {
                // Acknowledged all the same: Slack would only send the same envelope again.
                SlackLog.Malformed(logger, type ?? "envelope", outcome.Reason!);
            }
            // Recorded first, acknowledged second: an envelope Slack saw acknowledged is in the inbox.
            var ack = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { envelope_id = envelopeId }));
            await socket.SendAsync(ack, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closing.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", closing.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // The peer is gone already.
            }
        }
        return greeted;
    }

    private static async Task<string?> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            message.Write(buffer, 0, result.Count);
            if (message.Length > 4 * 1024 * 1024)
            {
                throw new IOException("A Socket Mode message exceeded 4 MB.");
            }
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }
}
