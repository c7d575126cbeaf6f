namespace Bot.BotHost.Hosting;

/// <summary>Where the host listens (section <c>Http</c>).</summary>
public sealed class HttpOptions
{
    public const string Section = "Http";
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Semicolon-separated listen URLs.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// The largest request body the server reads on any endpoint, chunked or not (endpoints declare smaller bounds of
    /// their own). Kestrel's default is 30 MB.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a stopping host (SIGTERM) waits for its services: the turn workers hand their in-flight turns back
    /// (leases released, messages left pending for another replica), the outbox senders put unsent rows back. A
    /// container platform's grace period must be longer (Kubernetes' terminationGracePeriodSeconds, compose's
    /// stop_grace_period).
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 15;

    /// <summary>The shutdown timeout, checked (1 to 300 seconds).</summary>
    public TimeSpan ShutdownTimeout() =>
        ShutdownTimeoutSeconds is >= 1 and <= 300
            ? TimeSpan.FromSeconds(ShutdownTimeoutSeconds)
            : throw new StartupConfigurationException($"Http:ShutdownTimeoutSeconds is {ShutdownTimeoutSeconds}; set it to a whole number of seconds from 1 to 300.");

    public IReadOnlyList<Uri> ParseUrls()
    {
        var urls = new List<Uri>();
        foreach (var part in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (*, +) are not valid URI hosts; read them as "every address".
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new StartupConfigurationException($"Http:Urls has '{part}', which is not an http:// or https:// URL.");
            }
            urls.Add(uri);
        }
        if (urls.Count == 0)
        {
            throw new StartupConfigurationException("Http:Urls is empty; set it to a listen URL such as " + DefaultUrls + ".");
        }
        return urls;
    }

    /// <summary>True when every URL binds to a loopback address only.</summary>
    public static bool IsLoopbackOnly(IEnumerable<Uri> urls) => urls.All(IsLoopback);

    public static bool IsLoopback(Uri url) => Bot.Channels.Web.OwnerAccess.IsLoopbackHost(url.Host);
}
