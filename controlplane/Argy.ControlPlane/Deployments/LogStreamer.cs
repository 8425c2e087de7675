using System.Text.Json;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.Protocol.V1;

namespace Argy.ControlPlane.Deployments;

/// <summary>
/// Serves a run's stored output, and in follow mode keeps the response open, writing new chunks as they are
/// stored, until the run has ended and everything it printed has been written.
/// </summary>
public sealed class LogStreamer(DeploymentService deployments, LogStore logs, RunSignals signals)
{
    public const string NdjsonType = "application/x-ndjson";
    private const int Page = 512;
    private static readonly ReadOnlyMemory<byte> Newline = "\n"u8.ToArray();

    // A safety net for a signal from another control-plane instance sharing the database; local signals wake at once.
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(2);

    public async Task StreamAsync(HttpContext context, string runId, bool follow, long after, CancellationToken cancellationToken)
    {
        var scope = context.Caller().Scope;
        var run = deployments.Find(scope, runId);
        var ndjson = context.Request.Headers.Accept.Any(a => a?.Contains(NdjsonType, StringComparison.OrdinalIgnoreCase) == true);
        var response = context.Response;
        response.ContentType = ndjson ? NdjsonType : "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        // Proxies must not buffer a followed log.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken);

        var last = after;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Take the wake-up before reading, so output stored between the read and the wait is not missed.
            var changed = signals.NextChange(runId);
            var ended = DeploymentStatus.IsTerminal(run.Status);
            var chunks = logs.Read(scope, runId, last, Page);
            foreach (var chunk in chunks)
            {
                await WriteChunk(response, chunk, ndjson, cancellationToken);
                last = chunk.Seq;
            }

            await response.Body.FlushAsync(cancellationToken);
            if (chunks.Count == Page)
            {
                continue;
            }

            // The run's end is stored after its last chunk, so an end seen before this read means all output was read.
            if (!follow || ended)
            {
                return;
            }

            await Task.WhenAny(changed, Task.Delay(Recheck, cancellationToken));
            run = deployments.Find(scope, runId);
        }
    }

    private static async Task WriteChunk(HttpResponse response, LogChunkRow chunk, bool ndjson, CancellationToken cancellationToken)
    {
        if (!ndjson)
        {
            await response.Body.WriteAsync(chunk.Data, cancellationToken);
            return;
        }

        var line = new LogLine(chunk.Seq, StreamName((OutputStream)chunk.Stream), UnixMs.To(chunk.Ts), chunk.Data);
        await JsonSerializer.SerializeAsync(response.Body, line, ApiJsonContext.Default.LogLine, cancellationToken);
        await response.Body.WriteAsync(Newline, cancellationToken);
    }

    private static string StreamName(OutputStream stream) => stream switch
    {
        OutputStream.Stdout => "stdout",
        OutputStream.Stderr => "stderr",
        _ => "system",
    };
}
