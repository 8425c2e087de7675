using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Argy.ControlPlane.Tests.Delivery;

/// <summary>What the receiver got: the event id header, the body, and whether its signature verified.</summary>
internal sealed record ReceivedDelivery(string? EventId, string Body, string? ContentType, SignatureCheck Check, int AnsweredStatus);

/// <summary>
/// A real HTTP receiver on a fixed loopback port that can be down (nothing listens: connections are refused),
/// up but failing (answers <see cref="Status"/>, e.g. 503) or up and accepting. It verifies every request's
/// signature with the sink's secret the way a receiver following protocol/signing.md would.
/// </summary>
internal sealed class WebhookReceiver(TimeProvider time) : IAsyncDisposable
{
    private readonly HttpRequestVerifier _verifier = new(new SignatureVerifier(time, new NonceCache(time, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew));
    private WebApplication? _app;
    private int _held;

    public int Port { get; } = FreePort();

    public string Url => $"http://127.0.0.1:{Port}/hooks/argy?source=test";

    /// <summary>The status answered while up.</summary>
    public int Status { get; set; } = 200;

    /// <summary>While set, requests are held (not answered) until it completes.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>How many requests are being held now.</summary>
    public int Held => _held;

    public string? SinkId { get; set; }

    public string? TenantId { get; set; }

    public SigningKey? Key { get; set; }

    public ConcurrentQueue<ReceivedDelivery> Requests { get; } = new();

    public IEnumerable<ReceivedDelivery> Accepted => Requests.Where(r => r.AnsweredStatus is >= 200 and < 300);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        var app = builder.Build();
        app.MapPost("/hooks/argy", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var verification = _verifier.Verify(context.Request.Method, rawTarget, name => context.Request.Headers[name].FirstOrDefault(), body,
                ProtocolHeaders.WebhookId,
                claims => claims.Principal == SinkId && claims.TenantId == TenantId && claims.KeyId == Key?.KeyId ? Key : null);
            if (Hold is { } hold)
            {
                Interlocked.Increment(ref _held);
                await hold.Task.WaitAsync(context.RequestAborted);
                Interlocked.Decrement(ref _held);
            }

            var status = Status;
            Requests.Enqueue(new ReceivedDelivery(context.Request.Headers["x-argy-event-id"].FirstOrDefault(), System.Text.Encoding.UTF8.GetString(body),
                context.Request.ContentType, verification.Check, status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        Hold?.TrySetResult();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
