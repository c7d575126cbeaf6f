using System.Net;
using System.Net.Sockets;

namespace Bot.Tests.Support;

public static class Ports
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
