using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Isolation;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Jobs;

/// <summary>
/// Runs one assigned job to its end: workspace, clean environment, sandboxed process, output, outcome. It
/// reports only through the message sink, so it works the same with or without a connection.
/// </summary>
internal sealed partial class JobRunner(
    IOptions<AgentOptions> options, JobIsolation isolation, TimeProvider time, ILogger<JobRunner> logger)
{
    /// <summary>Longer timeouts are shortened to this; timers cannot go much beyond 49 days anyway.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <param name="job">What to run.</param>
    /// <param name="sink">Where its output and result go.</param>
    /// <param name="cancellation">Stops the job early (CancelJob, draining).</param>
    /// <param name="beforeReport">Called once the process is gone, just before JobFinished is queued.</param>
    public async Task<JobFinished> RunAsync(
        AssignJob job, IAgentMessageSink sink, JobCancellation cancellation, Action? beforeReport = null)
    {
        var started = time.GetTimestamp();
        var timeout = TimeoutOf(job);
        using var log = new JobLogWriter(job.RunId, sink, time, options.Value.MaxJobLogBytes);
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellation.Token);

        LogJobStarting(job.RunId, job.Product, timeout);
        JobFinished finished;
        string? workspace = null;
        try
        {
            var sandbox = await isolation.SandboxAsync();
            workspace = Workspace.Create(options.Value.WorkRoot, job.RunId, sandbox.User);
            var result = await JobExecution.RunAsync(
                sandbox,
                JobCommand.Create(job, workspace),
                [.. job.Secrets.Values],
                log,
                () => cancellation.StopGrace ?? options.Value.JobStopGracePeriod,
                time,
                stop.Token);

            if (result.OutputAbandoned)
            {
                await TryWriteSystemAsync(log, "stopped reading the job's output: processes that left its process group still hold it open");
            }

            finished = Outcome(result, cancellation, timeout);
            if (result.Stopped)
            {
                await TryWriteSystemAsync(log, finished.Message);
            }
        }
        catch (IsolationUnavailableException ex)
        {
            finished = new JobFinished { ExitCode = -1, Outcome = JobOutcome.Failed, Message = ex.Message };
            await TryWriteSystemAsync(log, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Could not start (command not found, bad environment, no workspace) or the agent failed around it.
            var reason = ex is JobSetupException ? ex.Message : $"failed to run: {ex.Message}";
            finished = new JobFinished { ExitCode = -1, Outcome = JobOutcome.Failed, Message = reason };
            await TryWriteSystemAsync(log, reason);
        }

        var duration = time.GetElapsedTime(started);
        finished.Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(duration);
        if (workspace is not null)
        {
            await DisposeWorkspaceAsync(job.RunId, workspace, finished.Outcome, log);
        }

        beforeReport?.Invoke();
        await log.FinishAsync(finished, CancellationToken.None);
        LogJobFinished(job.RunId, finished.Outcome, finished.ExitCode, duration, finished.LastSequence);
        return finished;
    }

    private static JobFinished Outcome(ExecutionResult result, JobCancellation cancellation, TimeSpan timeout) => result switch
    {
        { Stopped: true } when cancellation.IsCancellationRequested =>
            new JobFinished { ExitCode = -1, Outcome = JobOutcome.Cancelled, Message = $"cancelled: {cancellation.Reason}" },
        { Stopped: true } =>
            new JobFinished { ExitCode = -1, Outcome = JobOutcome.TimedOut, Message = $"timed out after {timeout.ToString("c", CultureInfo.InvariantCulture)}" },
        { ExitCode: 0 } => new JobFinished { ExitCode = 0, Outcome = JobOutcome.Succeeded },
        _ => new JobFinished { ExitCode = result.ExitCode, Outcome = JobOutcome.Failed, Message = $"exited with code {result.ExitCode}" },
    };

    private TimeSpan TimeoutOf(AssignJob job)
    {
        var requested = job.Timeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var timeout = requested > TimeSpan.Zero ? requested : options.Value.DefaultJobTimeout;
        return timeout < MaxTimeout ? timeout : MaxTimeout;
    }

    private async Task DisposeWorkspaceAsync(string runId, string workspace, JobOutcome outcome, JobLogWriter log)
    {
        var agent = options.Value;
        try
        {
            if (!agent.KeepFailedWorkspaces)
            {
                Workspace.Delete(workspace);
                return;
            }

            var kept = outcome is JobOutcome.Failed or JobOutcome.TimedOut
                ? WorkspaceRetention.Keep(agent.WorkRoot, runId, workspace, time.GetUtcNow())
                : null;
            if (kept is null)
            {
                Workspace.Delete(workspace);
            }

            // After every run, so that the age limit holds even when nothing fails for a while.
            foreach (var pruned in WorkspaceRetention.Prune(agent.WorkRoot, agent.KeptWorkspacesMaxAge, agent.KeptWorkspacesMaxBytes, time.GetUtcNow()))
            {
                LogKeptWorkspacePruned(pruned);
            }

            if (kept is not null && Directory.Exists(kept))
            {
                LogWorkspaceKept(runId, kept);
                await TryWriteSystemAsync(log, $"workspace kept for debugging on the agent's host at {kept}");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWorkspaceNotRemoved(runId, workspace, ex.Message);
        }
    }

    private async Task TryWriteSystemAsync(JobLogWriter log, string line)
    {
        try
        {
            // Bounded so that a job stopped while disconnected cannot hang here on a full queue forever.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
            await log.WriteSystemAsync(line, patience.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            LogSystemLineDropped(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting run {RunId} (product {Product}, timeout {Timeout})")]
    private partial void LogJobStarting(string runId, string product, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ended: {Outcome}, exit code {ExitCode}, after {Duration}, {LastSequence} log chunks")]
    private partial void LogJobFinished(string runId, JobOutcome outcome, int exitCode, TimeSpan duration, long lastSequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the workspace of failed run {RunId} at {Path}")]
    private partial void LogWorkspaceKept(string runId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted kept workspace {Path} (Agent:KeptWorkspacesMaxAge / KeptWorkspacesMaxBytes)")]
    private partial void LogKeptWorkspacePruned(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove workspace {Workspace} of run {RunId}: {Reason}")]
    private partial void LogWorkspaceNotRemoved(string runId, string workspace, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add a line to a run's log: {Reason}")]
    private partial void LogSystemLineDropped(string reason);
}
