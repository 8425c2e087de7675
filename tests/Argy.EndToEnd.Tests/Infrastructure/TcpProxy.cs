using System.Net;
using System.Net.Sockets;

namespace Argy.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy placed between agents and the control plane, so a test can cut every connection at
/// a moment of its choosing, as a flaky network or a load balancer would.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _connections = [];
    private readonly Task _acceptLoop;
    private int _cuts;

    public TcpProxy()
    {
        _listener.Start();
        _acceptLoop = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Where connections are forwarded; set once the target listens.</summary>
    public string? Target { get; set; }

    public int Cuts => _cuts;

    public int OpenConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Closes every open connection at once (with a reset), leaving the proxy listening.</summary>
    public int CutAll()
    {
        List<(TcpClient Client, TcpClient Upstream)> open;
        lock (_connections)
        {
            open = [.. _connections];
            _connections.Clear();
        }

        foreach (var (client, upstream) in open)
        {
            try
            {
                // Linger 0 sends a reset, like a dropped route, instead of a polite close.
                client.Client?.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Linger, new LingerOption(true, 0));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            client.Close();
            upstream.Close();
        }

        Interlocked.Increment(ref _cuts);
        return open.Count;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Serve(client);
        }
    }

    private async Task Serve(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            var target = new Uri(Target ?? throw new InvalidOperationException("The proxy has no target yet."));
            await upstream.ConnectAsync(target.Host, target.Port, _stop.Token);
            lock (_connections)
            {
                _connections.Add((client, upstream));
            }

            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var a = Pump(client.GetStream(), upstream.GetStream(), done.Token);
            var b = Pump(upstream.GetStream(), client.GetStream(), done.Token);
            await Task.WhenAny(a, b);
            done.Cancel();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            client.Close();
            upstream.Close();
        }
    }

    private static async Task Pump(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CutAll();
        await _acceptLoop;
        _stop.Dispose();
    }
}
