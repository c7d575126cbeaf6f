using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bot.Channels.Access;

/// <summary>
/// Why an endpoint lets anyone through the host's authorization: its caller proves itself another way (a platform
/// signature checked in the handler, a one-time code) or there is nothing to protect. A test fails for an anonymous
/// endpoint without one.
/// </summary>
public sealed record AnonymousReason(string Reason);

public static class AnonymousReasonExtensions
{
    /// <summary>Allows anonymous callers and records <paramref name="reason"/> beside that decision.</summary>
    public static TBuilder AllowAnonymous<TBuilder>(this TBuilder builder, string reason) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return builder.AllowAnonymous().WithMetadata(new AnonymousReason(reason));
    }
}
