using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Bot.Tests.Support;

/// <summary>
/// A small round-robin TCP load balancer on 127.0.0.1, in front of host processes on fixed ports: each accepted
/// connection goes to the next backend in turn, and a backend that refuses the connection (a replica that is down) is
/// passed over for the one after it. Bytes are copied both ways until either side closes; a backend that dies cuts its
/// connections, as a real balancer's would be. A client that wants every request balanced sends <c>Connection:
/// close</c>. Disposing stops it and closes every connection.
/// </summary>
public sealed class LoopbackBalancer : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly TcpListener listener;
    private readonly IReadOnlyList<int> backends;
    private readonly long[] connections;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<int, Task> sessions = new();
    private readonly Task accepting;
    private int next = -1;
    private int sessionIds;
    private long unserved;
    private int disposed;

    private LoopbackBalancer(IReadOnlyList<int> backends)
    {
        this.backends = backends;
        connections = new long[backends.Count];
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    /// <summary>Connections handed to each backend so far (by the backend's position in the list).</summary>
    public IReadOnlyList<long> Connections => Enumerable.Range(0, connections.Length).Select(i => Interlocked.Read(ref connections[i])).ToList();

    /// <summary>Connections no backend accepted (all were down): closed at once.</summary>
    public long Unserved => Interlocked.Read(ref unserved);

    public static LoopbackBalancer Start(IEnumerable<int> backendPorts)
    {
        var ports = backendPorts.ToList();
        return ports.Count == 0 ? throw new ArgumentException("No backend.", nameof(backendPorts)) : new LoopbackBalancer(ports);
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var id = Interlocked.Increment(ref sessionIds);
            sessions[id] = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client);
                }
                finally
                {
                    sessions.TryRemove(id, out _);
                }
            });
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            using var backend = await ConnectAsync();
            if (backend is null)
            {
                Interlocked.Increment(ref unserved);
                return;
            }
            using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            var up = PumpAsync(client.GetStream(), backend.GetStream(), done.Token);
            var down = PumpAsync(backend.GetStream(), client.GetStream(), done.Token);
            // Whichever side ends first (the backend answered and closed, the client went away, the backend died) ends both.
            await Task.WhenAny(up, down);
            await done.CancelAsync();
            await Task.WhenAll(up, down);
        }
    }

    private async Task<TcpClient?> ConnectAsync()
    {
        for (var tried = 0; tried < backends.Count; tried++)
        {
            var index = (int)((uint)Interlocked.Increment(ref next) % (uint)backends.Count);
            var backend = new TcpClient();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                timeout.CancelAfter(ConnectTimeout);
                await backend.ConnectAsync(IPAddress.Loopback, backends[index], timeout.Token);
                Interlocked.Increment(ref connections[index]);
                return backend;
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                backend.Dispose();
                if (stopping.IsCancellationRequested)
                {
                    return null;
                }
            }
        }
        return null;
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // A side closed or reset: the session ends.
        }
    }

    /// <summary>Stops it (once: a test that stops it early may also dispose it at the end).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        await Task.WhenAll(sessions.Values).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        stopping.Dispose();
    }
}
