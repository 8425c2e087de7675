using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Tests.Enrollment;

/// <summary>A real HTTP server on 127.0.0.1 whose answers the test scripts per path, recording each request and when it came.</summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> _answers = new(StringComparer.Ordinal);

    private ScriptedHttpServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public TimeProvider Time { get; }

    public Uri Url { get; private set; } = null!;

    public ConcurrentQueue<Recorded> Requests { get; } = new();

    public sealed record Recorded(string Path, IFormCollection? Form, IHeaderDictionary Headers, byte[] Body, string RawTarget, DateTimeOffset At);

    /// <summary>Checks a request before it is answered; return a status and body to answer instead.</summary>
    public Func<Recorded, (int Status, string Body)?>? Inspect { get; set; }

    public static async Task<ScriptedHttpServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedHttpServer(app, time ?? TimeProvider.System);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return server;
    }

    public void Answer(string path, int status, string body) =>
        _answers.GetOrAdd(path, _ => new ConcurrentQueue<(int, string)>()).Enqueue((status, body));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        IFormCollection? form = null;
        if (context.Request.HasFormContentType)
        {
            context.Request.Body = new MemoryStream(body);
            form = await context.Request.ReadFormAsync();
        }

        // Copied: Kestrel reuses a request's header collection once the request is over.
        var headers = new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase));
        var recorded = new Recorded(context.Request.Path.Value ?? "", form, headers, body, rawTarget, Time.GetUtcNow());
        var answer = Inspect?.Invoke(recorded);
        if (answer is null)
        {
            answer = _answers.TryGetValue(recorded.Path, out var queue) && queue.TryDequeue(out var next)
                ? next
                : (404, """{"error":"invalid_request","error_description":"nothing scripted"}""");
        }

        Requests.Enqueue(recorded);
        context.Response.StatusCode = answer.Value.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Value.Body);
    }
}
