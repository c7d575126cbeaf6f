using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Tests.Support;

/// <summary>
/// A loopback proxy between the product (Telegram.Bot) and <c>telegram-test-api</c> that makes the fake answer as the
/// Bot API does. Each rule it applies is listed, against the spec, on <see cref="TelegramFakeDeviations"/>. Bot API calls
/// (<c>/bot{token}/{method}</c>) go through it; the test's own "user" routes go to the fake directly.
/// </summary>
public sealed class TelegramApiNormaliser : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly WebApplication app;
    private readonly HttpClient fake;
    private readonly HttpClient relay = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SemaphoreSlim pull = new(1, 1);
    private readonly Dictionary<string, SortedDictionary<long, JsonNode>> unconfirmed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Url, string? Secret)> webhooks = new(StringComparer.Ordinal);

    private TelegramApiNormaliser(WebApplication app, string fakeBaseUrl, int port)
    {
        this.app = app;
        Port = port;
        fake = new HttpClient { BaseAddress = new Uri(fakeBaseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Calls to the methods the fake lacks (rule 4), in order: (method, request JSON).</summary>
    public ConcurrentQueue<(string Method, string Request)> AnsweredForTheFake { get; } = new();

    private readonly ConcurrentDictionary<string, (string Path, byte[] Content)> files = new(StringComparer.Ordinal);

    /// <summary>Files served for getFile and the file endpoint (rule 10), by file_id.</summary>
    public IReadOnlyDictionary<string, (string Path, byte[] Content)> Files => files;

    /// <summary>Adds a file the bot can fetch (a voice note's audio); returns its file_id.</summary>
    public string AddFile(byte[] content, string extension)
    {
        var id = "voice-" + Guid.NewGuid().ToString("N");
        files[id] = ($"voice/{id}.{extension}", content);
        return id;
    }

    /// <summary>File downloads served (rule 10), in order: the file_path asked for.</summary>
    public ConcurrentQueue<string> Downloads { get; } = new();

    /// <summary>sendMessage calls refused by <see cref="FailSendMessagesContaining"/> (they reached no chat): request JSON.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    private readonly List<(string Marker, int[] Left)> faults = [];

    /// <summary>
    /// The next <paramref name="count"/> sendMessage calls whose text contains <paramref name="marker"/> are answered as
    /// the Bot API answers a flood limit (HTTP 429, <c>error_code</c> 429, <c>parameters.retry_after</c>), and reach no chat.
    /// </summary>
    public void FailSendMessagesContaining(string marker, int count)
    {
        lock (faults)
        {
            faults.Add((marker, [count]));
        }
    }

    private readonly HashSet<long> gone = [];

    /// <summary>
    /// The bot's message <paramref name="messageId"/> is gone from the chat (the person deleted it): from now on
    /// <c>editMessageText</c> on it is answered as the Bot API answers that (HTTP 400 "message to edit not found").
    /// </summary>
    public void DeleteMessage(long messageId)
    {
        lock (gone)
        {
            gone.Add(messageId);
        }
    }

    private bool EditsDeletedMessage(string method, JsonObject request)
    {
        if (method != "editMessageText" || request["message_id"] is not JsonValue id || !long.TryParse(id.ToString(), out var messageId))
        {
            return false;
        }
        lock (gone)
        {
            return gone.Contains(messageId);
        }
    }

    private bool TakeFault(string method, JsonObject request)
    {
        var text = method == "sendMessage" ? request["text"]?.GetValue<string>() : null;
        if (text is null)
        {
            return false;
        }
        lock (faults)
        {
            foreach (var (marker, left) in faults)
            {
                if (left[0] > 0 && text.Contains(marker, StringComparison.Ordinal))
                {
                    left[0]--;
                    return true;
                }
            }
        }
        return false;
    }

    public static async Task<TelegramApiNormaliser> StartAsync(string fakeBaseUrl)
    {
        var port = Ports.GetFree();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var normaliser = new TelegramApiNormaliser(app, fakeBaseUrl, port);
        app.Map("/bot{token}/{method}", normaliser.BotApiAsync);
        app.MapPost("/webhook-relay/{token}", normaliser.RelayWebhookAsync);
        app.MapGet("/file/bot{token}/{**path}", normaliser.DownloadFile);
        await app.StartAsync();
        return normaliser;
    }

    private async Task BotApiAsync(HttpContext context, string token, string method)
    {
        var cancellationToken = context.RequestAborted;
        var request = await ReadObjectAsync(context.Request, cancellationToken);
        if (TakeFault(method, request))
        {
            Refused.Enqueue(request.ToJsonString());
            await WriteAsync(context, 429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}""");
            return;
        }
        if (EditsDeletedMessage(method, request))
        {
            await WriteAsync(context, 400, """{"ok":false,"error_code":400,"description":"Bad Request: message to edit not found"}""");
            return;
        }
        switch (method)
        {
            case "getFile":
                // Rule 10: the spec's File for a file a test added; Telegram's 400 for any other id.
                var fileId = request["file_id"]?.GetValue<string>();
                await WriteAsync(context, fileId is not null && files.TryGetValue(fileId, out var file) ? 200 : 400, fileId is not null && files.TryGetValue(fileId, out file)
                    ? new JsonObject
                    {
                        ["ok"] = true,
                        ["result"] = new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = "u" + fileId, ["file_size"] = file.Content.Length, ["file_path"] = file.Path },
                    }.ToJsonString()
                    : """{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}""");
                return;
            case "getUpdates":
                await WriteAsync(context, 200, await GetUpdatesAsync(token, request, cancellationToken));
                return;
            case var missing when TelegramFakeDeviations.MissingMethods.Contains(missing):
                AnsweredForTheFake.Enqueue((method, request.ToJsonString()));
                var violation = TelegramFakeDeviations.SpecViolation(method, request);
                await WriteAsync(context, violation is null ? 200 : 400, violation is null
                    ? """{"ok":true,"result":true}"""
                    : new JsonObject { ["ok"] = false, ["error_code"] = 400, ["description"] = violation }.ToJsonString());
                return;
            case "setWebhook":
                webhooks[token] = (request["url"]?.GetValue<string>() ?? string.Empty, request["secret_token"]?.GetValue<string>());
                var forwarded = (JsonObject)request.DeepClone();
                forwarded["url"] = $"{BaseUrl}/webhook-relay/{Uri.EscapeDataString(token)}"; // rule 9
                await ForwardAsync(context, token, method, request, forwarded, cancellationToken);
                return;
            case "deleteWebhook":
                webhooks.TryRemove(token, out _);
                break;
        }
        await ForwardAsync(context, token, method, request, request, cancellationToken);
    }

    private async Task ForwardAsync(HttpContext context, string token, string method, JsonObject request, JsonObject forwarded, CancellationToken cancellationToken)
    {
        var (status, body) = await CallFakeAsync(token, method, forwarded, cancellationToken);
        var normalised = TelegramFakeDeviations.NormaliseAnswer(method, request, status, body);
        await WriteAsync(context, normalised.Status, normalised.Body);
    }

    /// <summary>Rule 5: updates stay until an offset above their id confirms them; an empty answer waits up to timeout.</summary>
    private async Task<string> GetUpdatesAsync(string token, JsonObject request, CancellationToken cancellationToken)
    {
        var offset = request["offset"]?.GetValue<long>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(request["timeout"]?.GetValue<int>() ?? 0);
        while (true)
        {
            JsonArray ready;
            await pull.WaitAsync(cancellationToken);
            try
            {
                var (status, body) = await CallFakeAsync(token, "getUpdates", [], cancellationToken);
                if (status != 200)
                {
                    return TelegramFakeDeviations.NormaliseAnswer("getUpdates", request, status, body).Body;
                }
                if (!unconfirmed.TryGetValue(token, out var queue))
                {
                    unconfirmed[token] = queue = [];
                }
                foreach (var update in JsonNode.Parse(body)?["result"]?.AsArray() ?? [])
                {
                    TelegramFakeDeviations.NormaliseUpdatePayload(update);
                    queue[update!["update_id"]!.GetValue<long>()] = update.DeepClone();
                }
                foreach (var confirmed in queue.Keys.Where(id => id < offset).ToList())
                {
                    queue.Remove(confirmed);
                }
                ready = new JsonArray(queue.Values.Select(u => u.DeepClone()).ToArray());
            }
            finally
            {
                pull.Release();
            }
            if (ready.Count > 0 || DateTimeOffset.UtcNow >= deadline)
            {
                return new JsonObject { ["ok"] = true, ["result"] = ready }.ToJsonString();
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Rule 10: a file's bytes at its file_path, under the bot's token.</summary>
    private IResult DownloadFile(string token, string path)
    {
        Downloads.Enqueue(path);
        var file = files.Values.FirstOrDefault(f => f.Path == path);
        return file.Content is null ? Results.NotFound() : Results.Bytes(file.Content, "application/octet-stream");
    }

    /// <summary>Rules 1, 6 and 9 on a webhook call of the fake, relayed to the product's URL with the secret header.</summary>
    private async Task<IResult> RelayWebhookAsync(HttpContext context, string token)
    {
        if (!webhooks.TryGetValue(token, out var webhook))
        {
            return Results.NotFound();
        }
        var update = await ReadObjectAsync(context.Request, context.RequestAborted);
        TelegramFakeDeviations.NormaliseUpdatePayload(update);
        using var message = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (webhook.Secret is { } secret)
        {
            message.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        using var response = await relay.SendAsync(message, context.RequestAborted);
        return Results.StatusCode((int)response.StatusCode);
    }

    private async Task<(int Status, string Body)> CallFakeAsync(string token, string method, JsonObject request, CancellationToken cancellationToken)
    {
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await fake.PostAsync($"/bot{token}/{method}", content, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        return text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
    }

    private static async Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        fake.Dispose();
        relay.Dispose();
        pull.Dispose();
    }
}
