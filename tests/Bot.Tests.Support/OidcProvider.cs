using System.Diagnostics;
using System.Text;

namespace Bot.Tests.Support;

/// <summary>
/// A real OpenID Provider, the npm package <c>oidc-provider</c> (<c>tests/peers/oidc-provider.mjs</c>), on 127.0.0.1 with
/// one confidential client whose redirect URI is the bot host's <c>/signin-oidc</c>. Its login page accepts any login
/// and password; the account's subject is the login. Disposing stops it.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "bot-web-test-client";

    private readonly Process process;
    private readonly StringBuilder output = new();

    private OidcProvider(Process process, Uri issuer, string clientSecret)
    {
        this.process = process;
        Issuer = issuer;
        ClientSecret = clientSecret;
    }

    public Uri Issuer { get; }

    /// <summary>Made for this run, so the test can check it never reaches a log.</summary>
    public string ClientSecret { get; }

    public string Output { get { lock (output) { return output.ToString(); } } }

    public static async Task<OidcProvider> StartAsync(Uri botBaseUrl)
    {
        var port = Ports.GetFree();
        var secret = "test-oidc-secret-" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Peers,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(RepoPaths.Peers, "oidc-provider.mjs"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--client-id", ClientId, "--client-secret", secret, "--redirect-uri", new Uri(botBaseUrl, "/signin-oidc").ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var provider = new OidcProvider(process, new Uri($"http://127.0.0.1:{port}"), secret);
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            provider.Append(e.Data);
            if (e.Data?.StartsWith("oidc-provider listening on ", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => provider.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            await provider.DisposeAsync();
            throw new TimeoutException("oidc-provider did not start (is tests/peers installed? ./bot test runs npm ci):\n" + provider.Output);
        }
        return provider;
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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
