using Argy.Cli.Api;

namespace Argy.Cli.Deployments;

/// <summary>
/// Copies a run's log chunks to this process's stdout/stderr as raw bytes and, when following,
/// reconnects after a dropped stream from the last sequence number seen, so nothing is printed twice.
/// </summary>
internal sealed class LogFollower(ArgyApiClient client, CliConsole console)
{
    private const int MaxConsecutiveRetries = 3;

    internal static TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Returns the finished run when following; null for a one-shot read.</summary>
    public async Task<Deployment?> CopyAsync(string runId, bool follow, CancellationToken ct)
    {
        long? lastSeq = null;
        var retries = 0;
        while (true)
        {
            Exception? dropped = null;
            try
            {
                await foreach (var chunk in client.ReadLogsAsync(runId, follow, lastSeq, ct))
                {
                    if (chunk.Seq <= lastSeq)
                    {
                        continue;
                    }

                    await WriteAsync(chunk, ct);
                    lastSeq = chunk.Seq;
                    retries = 0;
                }
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested)
            {
                dropped = ex;
            }

            if (dropped is null)
            {
                if (!follow)
                {
                    return null;
                }

                // A clean end normally means the run is over, but a restarting server also ends streams cleanly.
                var run = (await client.GetDeploymentAsync(runId, ct)).Value;
                if (RunStatus.IsTerminal(run.Status))
                {
                    return run;
                }

                dropped = new IOException("the log stream ended before the run did");
            }

            if (++retries > MaxConsecutiveRetries)
            {
                throw new ControlPlaneUnreachableException(
                    $"lost the log stream of run {runId} after {MaxConsecutiveRetries} retries: {dropped.Message}", dropped);
            }

            await Task.Delay(RetryDelay * retries, ct);
        }
    }

    private async Task WriteAsync(LogChunk chunk, CancellationToken ct)
    {
        var bytes = Convert.FromBase64String(chunk.Data);
        // System chunks are the agent's own notes; they stay out of stdout so pipes get only job output.
        var target = chunk.Stream == "stdout" ? console.StdOut : console.StdErr;
        await target.WriteAsync(bytes, ct);
        await target.FlushAsync(ct);
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        IOException or ControlPlaneUnreachableException => true,
        ApiException api => (int)api.StatusCode >= 500,
        _ => false,
    };
}
