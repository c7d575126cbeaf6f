using System.Diagnostics;
using System.Text;

namespace Bot.Tests.Support;

/// <summary>
/// The real host as a separate process (the built BotHost.dll), bound to 127.0.0.1 on a free port. Tests use it
/// where an in-process host cannot show the point: a SIGKILL, two replicas, a browser or a Node client.
/// Disposing kills it if it is still running.
/// </summary>
public sealed class BotHostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private BotHostProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

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

    public bool HasExited => process.HasExited;

    /// <summary>The host's resident memory now (VmRSS), in bytes.</summary>
    public long ResidentBytes() => ProcStatus("VmRSS:");

    /// <summary>The most resident memory the host has had since it started (VmHWM), in bytes.</summary>
    public long PeakResidentBytes() => ProcStatus("VmHWM:");

    private long ProcStatus(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0; // the process has gone
        }
    }

    /// <summary>Starts the host with settings it should refuse, and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunExpectingExitAsync(string connectionString, IDictionary<string, string> settings)
    {
        var host = new BotHostProcess(Launch(connectionString, settings, Ports.GetFree(), out var port), port);
        host.Attach();
        await using (host)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.process.WaitForExitAsync(timeout.Token);
            host.process.WaitForExit(); // drains the redirected output
            return (host.process.ExitCode, host.Output);
        }
    }

    public static async Task<BotHostProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null, int? port = null)
    {
        var host = new BotHostProcess(Launch(connectionString, settings, port ?? Ports.GetFree(), out var chosenPort), chosenPort);
        host.Attach();
        try
        {
            await host.WaitReadyAsync();
        }
        catch
        {
            // Not handed to the test, so nothing else would stop it: a host that never got ready must not outlive the test.
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    private void Attach()
    {
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static Process Launch(string connectionString, IDictionary<string, string>? settings, int port, out int chosenPort)
    {
        chosenPort = port;
        if (!File.Exists(RepoPaths.HostDll))
        {
            throw new InvalidOperationException($"{RepoPaths.HostDll} is missing: build the solution first (./bot test does).");
        }
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.HostDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.HostDll);
        start.Environment["ConnectionStrings__Bot"] = connectionString;
        start.Environment["Http__Urls"] = $"http://127.0.0.1:{chosenPort}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DataProtection__KeyFile"] = TestKeyFile.Shared.Path; // a setting below may name another
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
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

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {process.ExitCode} before it was ready:\n{Output}");
            }
            try
            {
                var response = await http.GetAsync(new Uri(BaseUrl, "/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The host did not become ready:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM and wait: the graceful stop a service manager does.</summary>
    public async Task<int> StopAsync()
    {
        if (!process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term!.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
        }
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }
}
