using Argy.Agent.Isolation;
using Argy.Protocol.V1;

namespace Argy.Agent.Jobs;

/// <summary>How a job process ended.</summary>
/// <param name="ExitCode">The main process's exit code (128 + n for signal n).</param>
/// <param name="Stopped">Ended by the stop token (timeout or cancel), not by itself.</param>
/// <param name="OutputAbandoned">Output was still open after everything was killed and stopped being read.</param>
internal sealed record ExecutionResult(int ExitCode, bool Stopped, bool OutputAbandoned);

/// <summary>
/// One job process from start to end: its output through the secret maskers into the log, and when the stop
/// token fires, SIGTERM to all its processes, then SIGKILL after the grace period. When its main process
/// exits, whatever it left running is killed: nothing a job starts outlives it or keeps its run open.
/// </summary>
internal static class JobExecution
{
    /// <summary>How long output may still arrive once every process of the job is gone (only escapees can hold it).</summary>
    public static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

    public static async Task<ExecutionResult> RunAsync(
        JobSandbox sandbox,
        JobLaunch launch,
        IReadOnlyCollection<string> secrets,
        JobLogWriter log,
        Func<TimeSpan> stopGrace,
        TimeProvider time,
        CancellationToken stop)
    {
        using var process = await sandbox.StartAsync(launch);

        // Not the stop token: what a job prints while it handles SIGTERM belongs in its log.
        using var abandon = new CancellationTokenSource();
        var stdout = OutputPump.PumpAsync(process.StandardOutput, OutputStream.Stdout, new SecretMasker(secrets), log, abandon.Token);
        var stderr = OutputPump.PumpAsync(process.StandardError, OutputStream.Stderr, new SecretMasker(secrets), log, abandon.Token);
        var output = Task.WhenAll(stdout, stderr);

        var stopped = false;
        try
        {
            await process.WaitForExitAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            stopped = true;
            await StopAsync(process, stopGrace(), time);
        }
        finally
        {
            process.KillLeftovers();
        }

        var abandoned = false;
        try
        {
            await output.WaitAsync(OutputDrainTimeout, time, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            abandoned = true;
            await abandon.CancelAsync();
            await output.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return new ExecutionResult(process.ExitCode, stopped, abandoned);
    }

    private static async Task StopAsync(JobProcess process, TimeSpan grace, TimeProvider time)
    {
        if (process.Terminate())
        {
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(grace, time, CancellationToken.None);
                return;
            }
            catch (TimeoutException)
            {
                // Ignored SIGTERM or took too long over it.
            }
        }

        await process.KillAsync();
        await process.WaitForExitAsync(CancellationToken.None);
    }
}
