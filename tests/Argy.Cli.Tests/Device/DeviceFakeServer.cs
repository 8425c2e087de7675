using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Argy.Cli.Tests.Device;

/// <summary>Plays the device-flow endpoints of the control plane: scripted answers per path, every request recorded.</summary>
internal sealed class DeviceFakeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> _answers = new(StringComparer.Ordinal);

    private DeviceFakeServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        Time = time;
    }

    public TimeProvider Time { get; }

    public string Url { get; private set; } = "";

    public ConcurrentQueue<(string Line, string Body, string? Authorization, DateTimeOffset At)> Requests { get; } = new();

    public static async Task<DeviceFakeServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new DeviceFakeServer(app, time ?? TimeProvider.System);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    public void Answer(string line, int status, object body) =>
        _answers.GetOrAdd(line, _ => new()).Enqueue((status, body as string ?? System.Text.Json.JsonSerializer.Serialize(body)));

    public JsonNode LastBody(string line) => JsonNode.Parse(Requests.Last(r => r.Line == line).Body)!;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var line = $"{context.Request.Method} {context.Request.Path}";
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        Requests.Enqueue((line, body, context.Request.Headers.Authorization.ToString(), Time.GetUtcNow()));
        var (status, answer) = _answers.TryGetValue(line, out var queue) && queue.TryDequeue(out var next)
            ? next
            : (404, """{"title":"Not found","status":404,"detail":"nothing scripted"}""");
        context.Response.StatusCode = status;
        context.Response.ContentType = status >= 400 && line.StartsWith("POST /oauth", StringComparison.Ordinal) ? "application/json" : status >= 400 ? "application/problem+json" : "application/json";
        await context.Response.WriteAsync(answer);
    }
}
