using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Argy.ControlPlane.Hosting;

/// <summary>The addresses Kestrel actually bound (port 0 becomes a real port once listening).</summary>
public sealed class BoundEndpoints
{
    internal ListenOptions? HttpListen { get; set; }

    internal ListenOptions? GrpcListen { get; set; }

    public IPEndPoint? Http => HttpListen?.IPEndPoint;

    public IPEndPoint? Grpc => GrpcListen?.IPEndPoint;
}
