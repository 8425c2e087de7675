using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Device;

/// <summary>Plays the device-flow endpoints of the control plane: scripted answers per path, every request recorded.</summary>
internal sealed class DeviceFakeServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> _answers = new(StringComparer.Ordinal);
    private FakeApi _api = null!;

    public string Url => _api.Url;

    public ConcurrentQueue<RecordedRequest> Requests => _api.Requests;

    public static async Task<DeviceFakeServer> StartAsync(TimeProvider? time = null)
    {
        var server = new DeviceFakeServer();
        server._api = await FakeApi.StartAsync(app => app.Run(server.HandleAsync), time);
        return server;
    }

    public void Answer(string line, int status, object body) =>
        _answers.GetOrAdd(line, _ => new()).Enqueue((status, body as string ?? System.Text.Json.JsonSerializer.Serialize(body)));

    public JsonNode LastBody(string line) => Requests.Last(r => r.Line == line).Json!;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var line = $"{context.Request.Method} {context.Request.Path}";
        var (status, answer) = _answers.TryGetValue(line, out var queue) && queue.TryDequeue(out var next)
            ? next
            : (404, """{"title":"Not found","status":404,"detail":"nothing scripted"}""");
        context.Response.StatusCode = status;
        context.Response.ContentType = status >= 400 && line.StartsWith("POST /oauth", StringComparison.Ordinal) ? "application/json" : status >= 400 ? "application/problem+json" : "application/json";
        await context.Response.WriteAsync(answer);
    }
}
