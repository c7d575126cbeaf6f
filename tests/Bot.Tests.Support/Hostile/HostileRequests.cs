using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Bot.Tests.Support.Hostile;

/// <summary>One generated request: what it is (for the report), and how to send it.</summary>
public sealed record HostileRequest(string Endpoint, string Attack, HttpMethod Method, string Path)
{
    public byte[]? Body { get; init; }
    public string? ContentType { get; init; }
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];
    /// <summary>Send the body chunked (no Content-Length).</summary>
    public bool Chunked { get; init; }
    /// <summary>For an endless-looking chunked body: how many bytes to offer (generated while sending, never held).</summary>
    public long StreamBytes { get; init; }
    /// <summary>Declare this Content-Length (a lie, when it differs from the body).</summary>
    public long? DeclaredLength { get; init; }

    public override string ToString() => $"{Method} {Endpoint} [{Attack}]";
}

/// <summary>The credentials a campaign holds, so an attack can be authenticated (the malformed body is the point) or forged.</summary>
public sealed record HostileCredentials(
    string SlackSigningSecret,
    string TelegramSecret,
    Func<string> TeamsToken,
    Func<string> TeamsForgedToken,
    string TeamsServiceUrl,
    string TeamsAppId,
    string DirectLineConversation,
    string DirectLineToken);

/// <summary>
/// A seeded generator of hostile requests against every endpoint of the host: platform payloads with one field
/// replaced (by a huge or over-long string, a number out of range, another JSON type, control characters, a lone
/// surrogate, deep nesting) or removed, bodies that are not JSON, not UTF-8, truncated, oversized (declared or chunked),
/// forged or missing credentials, and the wrong method. The same seed gives the same requests.
/// </summary>
public sealed class HostileRequests(int seed, HostileCredentials credentials)
{
    private const string LoneSurrogateMarker = "@@LONE_SURROGATE@@";
    private const string DeepMarker = "@@DEEP@@";
    private readonly Random random = new(seed);
    private int counter;

    public HostileRequest Next()
    {
        counter++;
        return random.Next(100) switch
        {
            < 14 => Teams(),
            < 28 => Slack(),
            < 40 => Telegram(),
            < 54 => DirectLine(),
            < 62 => Forged(),
            < 74 => WholeBody(),
            < 80 => Oversized(),
            _ => OtherEndpoints(),
        };
    }

    // ---- Baselines: what each platform really sends, with ids unique per request ----

    private JsonObject TeamsMessage()
    {
        var id = "1" + counter.ToString("D12", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["type"] = "message",
            ["id"] = id,
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            ["localTimezone"] = "Europe/Berlin",
            ["channelId"] = "msteams",
            ["serviceUrl"] = credentials.TeamsServiceUrl,
            ["from"] = new JsonObject { ["id"] = "29:fuzz-user", ["name"] = "Fuzz", ["aadObjectId"] = "aad-fuzz" },
            ["conversation"] = new JsonObject { ["id"] = "a:fuzz-" + (counter % 7), ["conversationType"] = "personal", ["tenantId"] = "tenant-1" },
            ["recipient"] = new JsonObject { ["id"] = "28:" + credentials.TeamsAppId, ["name"] = "Finance bot" },
            ["text"] = "/help",
            ["entities"] = new JsonArray(new JsonObject { ["type"] = "clientInfo", ["locale"] = "en-US" }),
        };
    }

    private JsonObject TeamsInvoke()
    {
        var activity = TeamsMessage();
        activity["type"] = "invoke";
        activity["name"] = "adaptiveCard/action";
        activity.Remove("text");
        activity["replyToId"] = "act-" + counter;
        activity["value"] = new JsonObject
        {
            ["action"] = new JsonObject
            {
                ["type"] = "Action.Execute",
                ["verb"] = "plan",
                ["data"] = new JsonObject { ["action"] = "/plan", ["args"] = "approve " + Guid.NewGuid() },
            },
        };
        return activity;
    }

    private JsonObject TeamsConversationUpdate()
    {
        var activity = TeamsMessage();
        activity["type"] = "conversationUpdate";
        activity.Remove("text");
        activity["membersAdded"] = new JsonArray(new JsonObject { ["id"] = "28:" + credentials.TeamsAppId });
        return activity;
    }

    private JsonObject SlackEvent()
    {
        var ts = SlackTs();
        var mention = random.Next(2) == 0;
        return new JsonObject
        {
            ["token"] = "x",
            ["team_id"] = "T0FUZZ",
            ["api_app_id"] = "A0APP",
            ["type"] = "event_callback",
            ["event_id"] = "Ev" + counter.ToString("D10", CultureInfo.InvariantCulture),
            ["event_time"] = 1_800_000_000 + counter,
            ["event"] = new JsonObject
            {
                ["type"] = mention ? "app_mention" : "message",
                ["channel"] = mention ? "C0FUZZ" : "D0FUZZ",
                ["user"] = "U0FUZZ",
                ["text"] = mention ? "<@U0BOT> /help" : "/help",
                ["ts"] = ts,
                ["event_ts"] = ts,
                ["channel_type"] = mention ? "channel" : "im",
                ["team"] = "T0FUZZ",
            },
        };
    }

    private JsonObject SlackInteraction()
    {
        var ts = SlackTs();
        return new JsonObject
        {
            ["type"] = "block_actions",
            ["team"] = new JsonObject { ["id"] = "T0FUZZ", ["domain"] = "fuzz" },
            ["user"] = new JsonObject { ["id"] = "U0FUZZ", ["username"] = "fuzz", ["team_id"] = "T0FUZZ" },
            ["api_app_id"] = "A0APP",
            ["trigger_id"] = "trigger-" + counter,
            ["channel"] = new JsonObject { ["id"] = "D0FUZZ", ["name"] = "directmessage" },
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = ts, ["channel_id"] = "D0FUZZ" },
            ["message"] = new JsonObject { ["type"] = "message", ["ts"] = ts, ["thread_ts"] = ts, ["text"] = "plan" },
            ["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "button",
                ["action_id"] = "plan-approve",
                ["value"] = "/plan approve " + Guid.NewGuid(),
                ["action_ts"] = SlackTs(),
            }),
        };
    }

    private Dictionary<string, string> SlackCommand() => new()
    {
        ["token"] = "x",
        ["team_id"] = "T0FUZZ",
        ["channel_id"] = "D0FUZZ",
        ["user_id"] = "U0FUZZ",
        ["user_name"] = "fuzz",
        ["command"] = "/money",
        ["text"] = "help",
        ["trigger_id"] = "trigger." + counter + "." + random.Next(),
        ["response_url"] = "http://127.0.0.1:9/unused",
    };

    private JsonObject TelegramUpdate()
    {
        var update = new JsonObject
        {
            ["update_id"] = 100_000 + counter,
            ["message"] = new JsonObject
            {
                ["message_id"] = counter,
                ["from"] = new JsonObject { ["id"] = 4242, ["is_bot"] = false, ["first_name"] = "Fuzz", ["username"] = "fuzz" },
                ["chat"] = new JsonObject { ["id"] = 4242, ["first_name"] = "Fuzz", ["type"] = "private" },
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["text"] = "/help",
            },
        };
        if (random.Next(4) == 0)
        {
            update.Remove("message");
            update["callback_query"] = new JsonObject
            {
                ["id"] = "cb" + counter,
                ["from"] = new JsonObject { ["id"] = 4242, ["is_bot"] = false, ["first_name"] = "Fuzz" },
                ["chat_instance"] = "1",
                ["data"] = "p:a:" + Guid.NewGuid().ToString("N"),
                ["message"] = new JsonObject
                {
                    ["message_id"] = 7,
                    ["chat"] = new JsonObject { ["id"] = 4242, ["type"] = "private" },
                    ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["text"] = "plan",
                },
            };
        }
        return update;
    }

    private JsonObject DirectLineActivity() => new()
    {
        ["type"] = "message",
        ["text"] = "/help",
        ["from"] = new JsonObject { ["id"] = "owner", ["name"] = "Owner" },
        ["localTimezone"] = "Europe/Berlin",
        ["channelData"] = new JsonObject { ["clientActivityID"] = "fuzz-" + counter },
        ["value"] = random.Next(5) == 0 ? new JsonObject { ["action"] = "/plan", ["args"] = "approve x" } : null,
    };

    private string SlackTs() => (1_800_000_000 + counter).ToString(CultureInfo.InvariantCulture) + "." + random.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);

    // ---- Families ----

    private HostileRequest Teams()
    {
        var (activity, kind) = random.Next(6) switch
        {
            0 => (TeamsInvoke(), "invoke"),
            1 => (TeamsConversationUpdate(), "conversationUpdate"),
            _ => (TeamsMessage(), "message"),
        };
        var (body, attack) = MutatedJson(activity);
        return TeamsRequest(body, $"{kind}: {attack}");
    }

    private HostileRequest TeamsRequest(byte[] body, string attack, string? token = null) =>
        new("/api/messages", attack, HttpMethod.Post, "/api/messages")
        {
            Body = body,
            ContentType = "application/json",
            Headers = [("Authorization", "Bearer " + (token ?? credentials.TeamsToken()))],
        };

    private HostileRequest Slack()
    {
        switch (random.Next(3))
        {
            case 0:
            {
                var (body, attack) = MutatedJson(SlackEvent());
                return SlackRequest("/slack/events", body, "application/json", "event: " + attack);
            }
            case 1:
            {
                var (payload, attack) = MutatedJson(SlackInteraction());
                var form = "payload=" + Uri.EscapeDataString(Encoding.UTF8.GetString(payload));
                return SlackRequest("/slack/interactivity", Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded", "interaction: " + attack);
            }
            default:
            {
                var form = SlackCommand();
                var key = Pick(form.Keys.ToArray());
                var attack = random.Next(5) switch
                {
                    0 => Remove(form, key),
                    1 => Set(form, key, new string('x', random.Next(2) == 0 ? 600 : 500_000), "an over-long value"),
                    2 => Set(form, key, "a\u0000b\u0007\u202Ec", "control characters"),
                    3 => Set(form, key, LoneSurrogateMarker, "percent-encoded invalid UTF-8"),
                    _ => Set(form, key, "\u00e9\u4e2d\U0001F600", "non-ASCII"),
                };
                var body = string.Join('&', form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)))
                    .Replace(Uri.EscapeDataString(LoneSurrogateMarker), "%ED%A0%80%FF", StringComparison.Ordinal);
                return SlackRequest("/slack/commands", Encoding.UTF8.GetBytes(body), "application/x-www-form-urlencoded", $"command: {key} -> {attack}");
            }
        }

        static string Remove(Dictionary<string, string> form, string key)
        {
            form.Remove(key);
            return "removed";
        }

        static string Set(Dictionary<string, string> form, string key, string value, string what)
        {
            form[key] = value;
            return what;
        }
    }

    private HostileRequest SlackRequest(string path, byte[] body, string contentType, string attack, bool forge = false, long? timestamp = null)
    {
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var signature = SlackSignature(forge ? "not-the-secret" : credentials.SlackSigningSecret, ts, body);
        return new HostileRequest(path, attack, HttpMethod.Post, path)
        {
            Body = body,
            ContentType = contentType,
            Headers = [("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", signature)],
        };
    }

    /// <summary>Slack's v0 signature: HMAC-SHA256 over <c>v0:{timestamp}:{body}</c>, hex.</summary>
    public static string SlackSignature(string secret, string timestamp, byte[] body)
    {
        var basis = Encoding.UTF8.GetBytes("v0:" + timestamp + ":").Concat(body).ToArray();
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), basis));
    }

    private HostileRequest Telegram()
    {
        var (body, attack) = MutatedJson(TelegramUpdate());
        return TelegramRequest(body, attack);
    }

    private HostileRequest TelegramRequest(byte[] body, string attack, string? secret = null) =>
        new("/telegram/webhook", attack, HttpMethod.Post, "/telegram/webhook")
        {
            Body = body,
            ContentType = "application/json",
            Headers = [("X-Telegram-Bot-Api-Secret-Token", secret ?? credentials.TelegramSecret)],
        };

    private HostileRequest DirectLine()
    {
        var (body, attack) = MutatedJson(DirectLineActivity());
        return DirectLineRequest(body, attack);
    }

    private HostileRequest DirectLineRequest(byte[] body, string attack, string? token = null) =>
        new("/v3/directline/conversations/{id}/activities", attack, HttpMethod.Post, $"/v3/directline/conversations/{credentials.DirectLineConversation}/activities")
        {
            Body = body,
            ContentType = "application/json",
            Headers = [("Authorization", "Bearer " + (token ?? credentials.DirectLineToken))],
        };

    /// <summary>A well-formed payload with a credential that must not pass.</summary>
    private HostileRequest Forged()
    {
        switch (random.Next(7))
        {
            case 0:
                return TeamsRequest(Utf8(TeamsMessage()), "forged: token signed by an unknown key", credentials.TeamsForgedToken());
            case 1:
                return TeamsRequest(Utf8(TeamsMessage()), "forged: not a JWT", "eyJhbGciOiJub25lIn0.e30.");
            case 2:
                return SlackRequest("/slack/events", Utf8(SlackEvent()), "application/json", "forged: wrong signing secret", forge: true);
            case 3:
                return SlackRequest("/slack/events", Utf8(SlackEvent()), "application/json", "forged: timestamp an hour old",
                    timestamp: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
            case 4:
                return TelegramRequest(Utf8(TelegramUpdate()), "forged: wrong secret", "wrong-secret");
            case 5:
                return DirectLineRequest(Utf8(DirectLineActivity()), "forged: token of nothing", "forged.token.value");
            default:
                var request = TeamsRequest(Utf8(TeamsMessage()), "forged: no Authorization header");
                return request with { Headers = [] };
        }
    }

    /// <summary>Bodies that are not what the endpoint reads at all, with valid credentials.</summary>
    private HostileRequest WholeBody()
    {
        (byte[] Body, string What) body = random.Next(9) switch
        {
            0 => (Array.Empty<byte>(), "empty body"),
            1 => ("{\"type\":\"message\",\"text\":"u8.ToArray(), "truncated JSON"),
            2 => ("[1,2,3]"u8.ToArray(), "a JSON array"),
            3 => ("null"u8.ToArray(), "JSON null"),
            4 => ([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d], "invalid UTF-8"),
            5 => (Encoding.UTF8.GetBytes(new string('[', 5_000) + new string(']', 5_000)), "nesting 5,000 deep"),
            6 => ("not json at all"u8.ToArray(), "plain text"),
            7 => (Encoding.UTF8.GetBytes("{\"a\":" + new string('9', 100_000) + "}"), "a 100,000-digit number"),
            _ => (Encoding.UTF8.GetBytes("{" + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"k{i}\":1")) + "}"), "20,000 keys"),
        };
        return random.Next(5) switch
        {
            0 => TeamsRequest(body.Body, "body: " + body.What),
            1 => SlackRequest("/slack/events", body.Body, "application/json", "body: " + body.What),
            2 => SlackRequest(random.Next(2) == 0 ? "/slack/interactivity" : "/slack/commands", body.Body, "application/x-www-form-urlencoded", "form body: " + body.What),
            3 => TelegramRequest(body.Body, "body: " + body.What),
            _ => DirectLineRequest(body.Body, "body: " + body.What),
        };
    }

    /// <summary>Bodies over the limits: declared, chunked, or lying about their length; authenticated or not.</summary>
    private HostileRequest Oversized()
    {
        var big = 300 * 1024 + random.Next(1_000_000);
        var target = random.Next(5) switch
        {
            0 => TeamsRequest([], ""),
            1 => TeamsRequest([], "", credentials.TeamsForgedToken()),
            2 => SlackRequest("/slack/events", [], "application/json", ""),
            3 => TelegramRequest([], ""),
            _ => DirectLineRequest([], ""),
        };
        return random.Next(3) switch
        {
            0 => target with { Attack = $"oversized: {big:N0} bytes with Content-Length", Body = PaddedJson(big) },
            1 => target with { Attack = $"oversized: {big:N0} bytes chunked", Body = null, Chunked = true, StreamBytes = big },
            _ => target with { Attack = "oversized: Content-Length says 10 GB", Body = "{}"u8.ToArray(), DeclaredLength = 10L * 1024 * 1024 * 1024 },
        };
    }

    private HostileRequest OtherEndpoints()
    {
        var conversation = credentials.DirectLineConversation;
        var plain = new (HttpMethod Method, string Endpoint, string Path, string Attack)[]
        {
            (HttpMethod.Post, "/health/live", "/health/live", "wrong method on a probe"),
            (HttpMethod.Delete, "/health/ready", "/health/ready", "wrong method on a probe"),
            (HttpMethod.Get, "/health/live", "/health/live", "probe"),
            (HttpMethod.Get, "/v3/directline/conversations/{id}/activities", $"/v3/directline/conversations/{conversation}/activities?watermark=99999999999999999999999", "watermark out of range"),
            (HttpMethod.Get, "/v3/directline/conversations/{id}/activities", $"/v3/directline/conversations/{conversation}/activities?watermark=-5", "negative watermark"),
            (HttpMethod.Get, "/v3/directline/conversations/{id}", "/v3/directline/conversations/" + new string('c', 5_000), "over-long conversation id"),
            (HttpMethod.Get, "/v3/directline/conversations/{id}/stream", $"/v3/directline/conversations/{conversation}/stream", "stream without a WebSocket upgrade"),
            (HttpMethod.Post, "/v3/directline/conversations/{id}/upload", $"/v3/directline/conversations/{conversation}/upload", "upload"),
            (HttpMethod.Post, "/v3/directline/tokens/refresh", "/v3/directline/tokens/refresh", "refresh without a token"),
            (HttpMethod.Get, "/api/threads/{id}", "/api/threads/" + Guid.NewGuid(), "unknown thread"),
            (HttpMethod.Get, "/api/threads/{id}/events", "/api/threads/not-a-guid/events", "malformed thread id"),
            (HttpMethod.Get, "/api/threads/{id}/events", "/api/threads/" + Guid.NewGuid() + "/events?after=" + new string('9', 400), "malformed page cursor"),
            (HttpMethod.Get, "/api/threads", "/api/threads?before=" + new string('%', 300), "malformed list cursor"),
            (HttpMethod.Get, "/api/threads", "/api/threads?q=" + Uri.EscapeDataString("!!(|&:*<-> \"" + new string('a', 600)), "over-long search with tsquery syntax"),
            (HttpMethod.Get, "/api/threads", "/api/threads?scheduleId=not-a-guid&limit=-5", "malformed schedule filter"),
            (HttpMethod.Get, "/api/threads/{id}/export", "/api/threads/" + Guid.NewGuid() + "/export?format=../../etc/passwd", "unknown export format"),
            (HttpMethod.Patch, "/api/threads/{id}", "/api/threads/" + Guid.NewGuid(), "rename without a body"),
            (HttpMethod.Delete, "/api/threads/{id}", "/api/threads/" + Guid.NewGuid(), "delete an unknown thread"),
            (HttpMethod.Post, "/api/threads/{id}/fork", "/api/threads/" + Guid.NewGuid() + "/fork", "fork without a body"),
            (HttpMethod.Get, "/link/plaid/", "/link/plaid?c=" + new string('z', 3_000), "over-long link code"),
            (HttpMethod.Post, "/link/plaid/", "/link/plaid?c=nonexistent-code", "unknown link code"),
            (HttpMethod.Get, "(no endpoint)", "/%00%ff/../../etc/passwd", "path traversal"),
            (HttpMethod.Put, "/api/messages", "/api/messages", "wrong method"),
            (HttpMethod.Get, "/slack/events", "/slack/events", "wrong method"),
        };
        var (method, endpoint, path, attack) = Pick(plain);
        var request = new HostileRequest(endpoint, attack, method, path);
        if (path.StartsWith("/v3/directline", StringComparison.Ordinal) && random.Next(2) == 0 && attack != "refresh without a token")
        {
            request = request with { Headers = [("Authorization", "Bearer " + credentials.DirectLineToken)] };
        }
        return request;
    }

    // ---- JSON mutation ----

    /// <summary>The payload with one value replaced or removed, serialized (a marker becomes an escaped lone surrogate).</summary>
    private (byte[] Body, string Attack) MutatedJson(JsonObject root)
    {
        if (random.Next(8) == 0)
        {
            return (Utf8(root), "unchanged");
        }
        var slots = new List<(JsonNode Parent, string? Key, int Index, string Path)>();
        Collect(root, "$", slots);
        var (parent, key, index, path) = Pick(slots.ToArray());
        var (replacement, what, remove) = Replacement();
        if (remove)
        {
            if (parent is JsonObject o)
            {
                o.Remove(key!);
            }
            else
            {
                ((JsonArray)parent).RemoveAt(index);
            }
        }
        else if (parent is JsonObject o)
        {
            o[key!] = replacement;
        }
        else
        {
            ((JsonArray)parent)[index] = replacement;
        }
        // Written as text: a JSON node can hold neither a lone surrogate nor nesting past the reader's depth limit.
        var text = root.ToJsonString()
            .Replace(LoneSurrogateMarker, "\\ud800", StringComparison.Ordinal)
            .Replace("\"" + DeepMarker + "\"", new string('[', 80) + new string(']', 80), StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(text), $"{path} -> {what}");
    }

    private static void Collect(JsonNode node, string path, List<(JsonNode, string?, int, string)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    slots.Add((o, name, -1, path + "." + name));
                    if (child is not null)
                    {
                        Collect(child, path + "." + name, slots);
                    }
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i, $"{path}[{i}]"));
                    if (a[i] is { } child)
                    {
                        Collect(child, $"{path}[{i}]", slots);
                    }
                }
                break;
        }
    }

    private (JsonNode? Value, string What, bool Remove) Replacement() => random.Next(20) switch
    {
        0 => (JsonValue.Create(new string('x', 10_000)), "a 10,000-character string", false),
        1 => (JsonValue.Create(new string('7', 600)), "a 600-character id", false),
        2 => (JsonValue.Create(long.MaxValue), "9223372036854775807", false),
        3 => (JsonValue.Create(-1), "-1", false),
        4 => (JsonNode.Parse("1e308"), "1e308", false),
        5 => (JsonValue.Create("99999999999999999999.000100"), "an out-of-range timestamp string", false),
        6 => (JsonValue.Create("9999999999999.000100"), "a timestamp past year 9999", false),
        7 => (new JsonObject { ["x"] = 1 }, "an object", false),
        8 => (new JsonArray(1, "two"), "an array", false),
        9 => (null, "null", false),
        10 => (JsonValue.Create(true), "true", false),
        11 => (null, "removed", true),
        12 => (JsonValue.Create("a\u0000b\u0007c\u001b[31m"), "control characters", false),
        13 => (JsonValue.Create("x" + LoneSurrogateMarker + "y"), "a lone surrogate", false),
        14 => (JsonValue.Create("\u202Eevil\u00e9\u4e2d\U0001F600"), "non-ASCII and bidi", false),
        15 => (JsonValue.Create(""), "an empty string", false),
        16 => (JsonValue.Create("   "), "whitespace", false),
        17 => (JsonValue.Create(DeepMarker), "arrays 80 deep", false),
        18 => (JsonValue.Create(new string('y', 40_000)), "a 40,000-character string", false),
        _ => (JsonValue.Create(1.5), "a fraction", false),
    };

    private static byte[] PaddedJson(int size)
    {
        var prefix = "{\"type\":\"message\",\"text\":\""u8.ToArray();
        var suffix = "\"}"u8.ToArray();
        var body = new byte[size];
        prefix.CopyTo(body, 0);
        body.AsSpan(prefix.Length, size - prefix.Length - suffix.Length).Fill((byte)'a');
        suffix.CopyTo(body, size - suffix.Length);
        return body;
    }

    private static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private T Pick<T>(T[] items) => items[random.Next(items.Length)];

    /// <summary>Builds the <see cref="HttpRequestMessage"/> for <paramref name="request"/>.</summary>
    public static HttpRequestMessage ToHttp(HostileRequest request)
    {
        var message = new HttpRequestMessage(request.Method, request.Path);
        HttpContent? content = null;
        if (request.Chunked)
        {
            content = new StreamContent(new GeneratedStream(request.StreamBytes));
        }
        else if (request.Body is { } body)
        {
            content = request.DeclaredLength is { } declared
                ? new StreamContent(new GeneratedStream(declared, prefix: body))
                : new ByteArrayContent(body);
        }
        if (content is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/json");
            if (request.DeclaredLength is { } length)
            {
                content.Headers.ContentLength = length;
            }
            message.Content = content;
        }
        if (request.Chunked)
        {
            message.Headers.TransferEncodingChunked = true;
        }
        if (request.Chunked || request.DeclaredLength is not null || request.Body is { Length: > 32 * 1024 })
        {
            // The server closes a connection whose body it would not read (over the endpoint's bound: 64 KB for Direct
            // Line); the next request must not race that close on a pooled connection.
            message.Headers.ConnectionClose = true;
        }
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }

    /// <summary>A body produced while it is sent (so a 28 MB upload costs the sender nothing): the prefix, then JSON-ish filler.</summary>
    public sealed class GeneratedStream(long length, byte[]? prefix = null) : Stream
    {
        private readonly byte[] start = prefix ?? "{\"type\":\"message\",\"text\":\""u8.ToArray();
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var left = length - position;
            if (left <= 0)
            {
                return 0;
            }
            var n = (int)Math.Min(count, left);
            for (var i = 0; i < n; i++)
            {
                var at = position + i;
                buffer[offset + i] = at < start.Length ? start[at] : (byte)'a';
            }
            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
