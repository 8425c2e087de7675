using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using CliWrap;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Command = CliWrap.Command;

namespace Argy.Agent.Jobs;

/// <summary>
/// Runs one assigned job to its end: workspace, clean environment, process, output, outcome. It reports only
/// through the message sink, so it works the same with or without a connection.
/// </summary>
internal sealed partial class JobRunner(IOptions<AgentOptions> options, TimeProvider time, ILogger<JobRunner> logger)
{
    public const string Shell = "/bin/sh";

    /// <summary>Longer timeouts are shortened to this; timers cannot go much beyond 49 days anyway.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>
    /// How long output may keep flowing after the job's main process exited. A background process the job left
    /// behind can hold the output pipes open forever; past this, it is killed so the job can end.
    /// </summary>
    internal TimeSpan OutputGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <param name="job">What to run.</param>
    /// <param name="sink">Where its output and result go.</param>
    /// <param name="cancellation">Stops the job early (CancelJob, draining).</param>
    /// <param name="beforeReport">Called once the process is gone, just before JobFinished is queued.</param>
    public async Task<JobFinished> RunAsync(
        AssignJob job, IAgentMessageSink sink, JobCancellation cancellation, Action? beforeReport = null)
    {
        var started = time.GetTimestamp();
        var timeout = TimeoutOf(job);
        using var log = new JobLogWriter(job.RunId, sink, time);
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellation.Token);

        LogJobStarting(job.RunId, job.Product, timeout);
        JobFinished finished;
        string? workspace = null;
        try
        {
            workspace = Workspace.Create(options.Value.WorkRoot, job.RunId);
            var (command, ownGroup) = CreateCommand(job, workspace, log);
            var exitCode = await ExecuteAsync(job.RunId, command, ownGroup, log, stop.Token);
            finished = exitCode == 0
                ? new JobFinished { ExitCode = 0, Outcome = JobOutcome.Succeeded }
                : new JobFinished { ExitCode = exitCode, Outcome = JobOutcome.Failed, Message = $"exited with code {exitCode}" };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            finished = cancellation.IsCancellationRequested
                ? new JobFinished { ExitCode = -1, Outcome = JobOutcome.Cancelled, Message = $"cancelled: {cancellation.Reason}" }
                : new JobFinished { ExitCode = -1, Outcome = JobOutcome.TimedOut, Message = $"timed out after {timeout.ToString("c", CultureInfo.InvariantCulture)}" };
            await TryWriteSystemAsync(log, finished.Message);
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
            RemoveWorkspace(job.RunId, workspace);
        }

        beforeReport?.Invoke();
        await log.FinishAsync(finished, CancellationToken.None);
        LogJobFinished(job.RunId, finished.Outcome, finished.ExitCode, duration, finished.LastSequence);
        return finished;
    }

    private TimeSpan TimeoutOf(AssignJob job)
    {
        var requested = job.Timeout?.ToTimeSpan() ?? TimeSpan.Zero;
        var timeout = requested > TimeSpan.Zero ? requested : options.Value.DefaultJobTimeout;
        return timeout < MaxTimeout ? timeout : MaxTimeout;
    }

    private static (Command Command, bool OwnGroup) CreateCommand(AssignJob job, string workspace, JobLogWriter log)
    {
        var environment = JobEnvironment.Build(job, workspace);
        var (program, arguments) = job.WorkCase switch
        {
            AssignJob.WorkOneofCase.Script => (Shell, new[] { "-e", "-c", job.Script }),
            AssignJob.WorkOneofCase.Command when job.Command.Argv.Count > 0 =>
                (ExecutableLocator.Locate(job.Command.Argv[0], environment["PATH"], workspace), job.Command.Argv.Skip(1).ToArray()),
            _ => throw new JobSetupException("the job has neither a command nor a script"),
        };

        // setsid execs the program in place (same pid), which then leads its own process group.
        var setsid = ProcessGroup.FindSetsid(JobEnvironment.SafePath);
        if (setsid is not null)
        {
            (program, arguments) = (setsid, ["--wait", program, .. arguments]);
        }

        var secrets = job.Secrets.Values.ToArray();
        var stdoutMasker = new SecretMasker(secrets);
        var stderrMasker = new SecretMasker(secrets);

        var command = CliWrap.Cli.Wrap(program)
            .WithArguments(arguments)
            .WithWorkingDirectory(workspace)
            .WithEnvironmentVariables(JobEnvironment.ReplacingInherited(environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.Create((stream, ct) =>
                OutputPump.PumpAsync(stream, OutputStream.Stdout, stdoutMasker, log, ct)))
            .WithStandardErrorPipe(PipeTarget.Create((stream, ct) =>
                OutputPump.PumpAsync(stream, OutputStream.Stderr, stderrMasker, log, ct)));
        return (command, setsid is not null);
    }

    // The forceful token kills the whole process tree; the process group catches what was reparented away from it.
    private async Task<int> ExecuteAsync(string runId, Command command, bool ownGroup, JobLogWriter log, CancellationToken stop)
    {
        var mainExited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var execution = command.ExecuteAsync(
            null,
            process =>
            {
                process.Exited += (_, _) => mainExited.TrySetResult();
                if (process.HasExited)
                {
                    mainExited.TrySetResult();
                }
            },
            stop,
            CancellationToken.None);
        var processGroup = ownGroup ? execution.ProcessId : 0;
        try
        {
            var finished = await Task.WhenAny(execution.Task, mainExited.Task);
            if (finished != execution.Task && ownGroup && !await EndsWithinAsync(execution.Task, OutputGrace, stop))
            {
                LogLingering(runId, OutputGrace);
                await log.WriteSystemAsync(
                    $"killed processes left running in the background, they kept the output open {OutputGrace.TotalSeconds:0} s after the job's exit",
                    stop);
                ProcessGroup.Kill(processGroup);
            }

            var result = await execution;
            return result.ExitCode;
        }
        finally
        {
            // Nothing a job started may outlive it, including daemons that closed their output.
            ProcessGroup.Kill(processGroup);
        }
    }

    private async Task<bool> EndsWithinAsync(Task task, TimeSpan limit, CancellationToken cancellationToken)
    {
        await task.WaitAsync(limit, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return task.IsCompleted;
    }

    private void RemoveWorkspace(string runId, string workspace)
    {
        try
        {
            Workspace.Delete(workspace);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: background processes still held the output open {Grace} after the job exited; killing them")]
    private partial void LogLingering(string runId, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove workspace {Workspace} of run {RunId}: {Reason}")]
    private partial void LogWorkspaceNotRemoved(string runId, string workspace, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add a line to a run's log: {Reason}")]
    private partial void LogSystemLineDropped(string reason);
}
