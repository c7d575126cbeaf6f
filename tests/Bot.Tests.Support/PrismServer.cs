using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Bot.Tests.Support;

/// <summary>
/// Stoplight Prism (tests/peers, pinned in package.json) mocking a vendor's OpenAPI document on 127.0.0.1 with
/// <c>--errors</c>: a request that breaks the spec gets a 4xx naming the violation (<c>sl-violations</c>), a valid
/// one gets the spec's example. Started from node_modules/.bin/prism on a free port; disposing kills it by PID.
/// </summary>
public sealed class PrismServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private PrismServer(Process process, int port)
    {
        this.process = process;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseUrl { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static async Task<PrismServer> StartAsync(string specPath)
    {
        var prism = Path.Combine(RepoPaths.Peers, "node_modules", ".bin", "prism");
        if (!File.Exists(prism))
        {
            throw new InvalidOperationException($"{prism} is missing: run ./bot test, which installs tests/peers with npm ci.");
        }
        var port = Ports.GetFree();
        var start = new ProcessStartInfo(prism)
        {
            WorkingDirectory = RepoPaths.Peers,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "mock", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--errors", specPath })
        {
            start.ArgumentList.Add(argument);
        }
        var server = new PrismServer(Process.Start(start) ?? throw new InvalidOperationException("prism did not start"), port);
        server.process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server.process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        try
        {
            await server.WaitListeningAsync(port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task WaitListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prism exited with {process.ExitCode}:\n{Output}");
            }
            if (Output.Contains("Prism is listening", StringComparison.Ordinal))
            {
                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync("127.0.0.1", port);
                    return;
                }
                catch (SocketException)
                {
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"prism did not start listening on {port}:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
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
