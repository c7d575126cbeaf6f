using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bot.Channels.Access;

/// <summary>An endpoint's largest accepted request body, in bytes (read by the host's body-limit middleware).</summary>
public sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
{
    long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;
}

/// <summary>What reading a bounded body came to: the bytes, or why there are none (and the status to answer with).</summary>
public readonly record struct BodyRead(byte[]? Bytes, int Status, string? Problem)
{
    public bool Ok => Bytes is not null;
}

/// <summary>
/// Request bodies read with a bound that holds however they arrive: a Content-Length over the limit is refused before a
/// byte is read, and a chunked body is counted while it is read and dropped the moment it passes the limit. The same
/// bound is handed to the server (<see cref="IHttpMaxRequestBodySizeFeature"/>), so a body nobody reads (a request
/// refused before its body, such as a bad token) is not drained beyond it either.
/// </summary>
public static class RequestBodies
{
    /// <summary>Declares the largest body <paramref name="builder"/>'s endpoints accept.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        builder.WithMetadata(new BodyLimit(bytes));
        return builder;
    }

    /// <summary>Sets the server's bound for this request's body, where the server still allows it to change.</summary>
    public static void ApplyLimit(HttpContext context, long bytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
        }
    }

    /// <summary>Reads the whole body if it is at most <paramref name="limit"/> bytes.</summary>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }
        ApplyLimit(request.HttpContext, limit);
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, limit) + 1);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(4096);
                var read = await request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return TooLarge(limit);
                }
            }
        }
        catch (BadHttpRequestException exception)
        {
            // The server's own bound, or a body cut short or badly framed (a broken chunk).
            return exception.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(limit)
                : new BodyRead(null, StatusCodes.Status400BadRequest, "the request body is incomplete or badly framed");
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return new BodyRead(null, StatusCodes.Status400BadRequest, "the request body ended early");
        }
        return new BodyRead(buffer.WrittenSpan.ToArray(), StatusCodes.Status200OK, null);
    }

    /// <summary>
    /// Why <paramref name="json"/> is not JSON this service reads, or null when it is: it must parse (within a depth of
    /// 64), and every string and property name must be valid Unicode. A lone surrogate (<c>"\ud800"</c>) is legal JSON
    /// syntax but cannot become a .NET string safely, and invalid UTF-8 cannot be stored; refusing both here, once, means
    /// no mapper deeper in meets them.
    /// </summary>
    public static string? CheckJson(ReadOnlySpan<byte> json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json, new System.Text.Json.JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is System.Text.Json.JsonTokenType.String or System.Text.Json.JsonTokenType.PropertyName)
                {
                    if (reader.ValueIsEscaped)
                    {
                        _ = reader.GetString(); // throws for an escaped lone surrogate
                    }
                    else if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
                    {
                        return "a string in the body is not valid UTF-8";
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            return json.IsEmpty ? "the body is empty" : "the body is not valid JSON (or nests deeper than 64)";
        }
        catch (InvalidOperationException)
        {
            return "a string in the body is not valid Unicode (a lone surrogate)";
        }
        return null;
    }

    /// <summary>
    /// What deserializing untrusted JSON may throw besides <see cref="System.Text.Json.JsonException"/>: converters refuse
    /// values out of their range (a Unix date past year 9999 overflows), and an escaped lone surrogate cannot become a string.
    /// </summary>
    public static bool IsDeserializationError(Exception exception) =>
        exception is System.Text.Json.JsonException or ArgumentException or OverflowException or FormatException or InvalidOperationException or NotSupportedException;

    /// <summary>
    /// Why JSON that passed <see cref="CheckJson"/> did not deserialize, without echoing it: the path of the value that has
    /// the wrong type or is out of range, where the serializer names one.
    /// </summary>
    public static string DescribeJsonError(Exception exception) =>
        exception is System.Text.Json.JsonException { Path: { Length: > 1 } path }
            ? $"the value at {Printable(path)} has the wrong type or is out of range"
            : "the JSON does not have the expected shape (a value has the wrong type or is out of range)";

    /// <summary>A JSON path as it may be logged and answered: property names are the sender's, so cut and made printable.</summary>
    private static string Printable(string path)
    {
        var clean = new string(path.Select(c => char.IsControl(c) ? '?' : c).Take(80).ToArray());
        return path.Length > 80 ? clean + "…" : clean;
    }

    private static BodyRead TooLarge(long limit) =>
        new(null, StatusCodes.Status413PayloadTooLarge, $"the request body is larger than {limit} bytes");
}
