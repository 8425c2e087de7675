using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Argy.Cli.Tests.Infrastructure;

/// <summary>One request as the fake received it.</summary>
/// <param name="Line">"METHOD /path?query".</param>
/// <param name="Body">The raw body, empty when there is none.</param>
/// <param name="Authorization">The Authorization header, empty when there is none.</param>
/// <param name="At">When it arrived, on the fake's clock.</param>
internal sealed record RecordedRequest(string Line, string Body, string Authorization, DateTimeOffset At)
{
    /// <summary>The body parsed as JSON, or null when there is no body.</summary>
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);
}

/// <summary>
/// A stand-in for the control plane in CLI tests: a real HTTP server on 127.0.0.1 (a free port) that
/// answers with the routes a test maps and records every request before they see it.
/// The body stays readable for the routes.
/// </summary>
internal sealed class FakeApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeApi(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <param name="map">Adds the middleware and routes the test needs; they run after the recording.</param>
    /// <param name="time">The clock that stamps <see cref="RecordedRequest.At"/>; the system clock by default.</param>
    public static async Task<FakeApi> StartAsync(Action<WebApplication> map, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var fake = new FakeApi(builder.Build());
        fake._app.Use(async (context, next) =>
        {
            var request = context.Request;
            request.EnableBuffering();
            using (var reader = new StreamReader(request.Body, leaveOpen: true))
            {
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                fake.Requests.Enqueue(new($"{request.Method} {request.Path}{request.QueryString}", body, request.Headers.Authorization.ToString(), time.GetUtcNow()));
            }

            request.Body.Position = 0;
            await next(context);
        });
        map(fake._app);
        await fake._app.StartAsync();
        fake.Url = fake._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: a test may leave a streaming request open.
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
