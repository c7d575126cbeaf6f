using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bot.Tests.Support;

/// <summary>
/// <c>telegram-test-api</c> on 127.0.0.1 (a fake Bot API server) behind <see cref="TelegramApiNormaliser"/>, which makes
/// its answers those of the real Bot API. The product talks to <see cref="ApiBaseUrl"/> (the normaliser); the test plays
/// the user through the fake's client routes and reads what the bot sent from its history. Disposing stops both.
/// </summary>
public sealed class TelegramTestServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient http;

    private TelegramApiNormaliser? normaliser;

    private TelegramTestServer(Process process, int port)
    {
        this.process = process;
        Port = port;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The fake's own port (its client routes).</summary>
    public int Port { get; }

    /// <summary>Where the product sends Bot API calls: the normaliser in front of the fake.</summary>
    public string ApiBaseUrl => Normaliser.BaseUrl;

    public TelegramApiNormaliser Normaliser => normaliser ?? throw new InvalidOperationException("not started");

    public static async Task<TelegramTestServer> StartAsync()
    {
        var port = Ports.GetFree();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Peers,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--unhandled-rejections=warn");
        start.ArgumentList.Add(Path.Combine(RepoPaths.Peers, "telegram-server.cjs"));
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) => { if (e.Data == "ready") { ready.TrySetResult(); } };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new TelegramTestServer(process, port);
        if (await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            await server.DisposeAsync();
            throw new TimeoutException("telegram-test-api did not start (is tests/peers installed? ./bot test runs npm ci)");
        }
        server.normaliser = await TelegramApiNormaliser.StartAsync($"http://127.0.0.1:{port}");
        return server;
    }

    public static object User(long id) => new { id, first_name = "Ann", username = "ann", is_bot = false };

    public static object PrivateChat(long id) => new { id, first_name = "Ann", username = "ann", type = "private" };

    public Task SendMessageAsync(string token, long chatId, string text) => PostAsync("/sendMessage", new
    {
        botToken = token, from = User(chatId), chat = PrivateChat(chatId), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text,
    });

    public Task SendCommandAsync(string token, long chatId, string text) => PostAsync("/sendCommand", new
    {
        botToken = token, from = User(chatId), chat = PrivateChat(chatId), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), text,
        entities = new[] { new { offset = 0, length = text.Contains(' ', StringComparison.Ordinal) ? text.IndexOf(' ', StringComparison.Ordinal) : text.Length, type = "bot_command" } },
    });

    /// <summary>
    /// A voice note from the user: the audio is added to the files the normaliser serves (the fake holds none), and the
    /// message carries the spec's Voice (file_id, file_unique_id, duration, mime_type, file_size).
    /// </summary>
    public Task SendVoiceAsync(string token, long chatId, byte[] ogg, int durationSeconds)
    {
        var fileId = Normaliser.AddFile(ogg, "oga");
        return PostAsync("/sendMessage", new
        {
            botToken = token, from = User(chatId), chat = PrivateChat(chatId), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            voice = new { file_id = fileId, file_unique_id = "u" + fileId, duration = durationSeconds, mime_type = "audio/ogg", file_size = ogg.Length },
        });
    }

    /// <summary>A press on a button of the bot's message <paramref name="messageId"/> (a real callback query names it).</summary>
    public Task SendCallbackAsync(string token, long chatId, long messageId, string data) => PostAsync("/sendCallback", new
    {
        botToken = token, from = User(chatId),
        message = new { message_id = messageId, from = User(chatId), chat = PrivateChat(chatId), date = DateTimeOffset.UtcNow.ToUnixTimeSeconds() },
        data, date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
    });

    /// <summary>What the bot sent to a chat, oldest first, as it stands now (edits applied): (message id, message JSON).</summary>
    public async Task<IReadOnlyList<(long MessageId, JsonElement Message)>> BotMessagesAsync(string token, long chatId)
    {
        using var response = await http.PostAsJsonAsync("/getUpdatesHistory", new { token });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("result").EnumerateArray()
            .Where(u => u.TryGetProperty("message", out var m) && m.TryGetProperty("chat_id", out var c) && c.ToString() == chatId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(u => (u.GetProperty("messageId").GetInt64(), u.GetProperty("message").Clone()))
            .ToList();
    }

    private async Task PostAsync(string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (normaliser is not null)
        {
            await normaliser.DisposeAsync();
        }
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
