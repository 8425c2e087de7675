using System.Globalization;
using Argy.Agent.Configuration;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using CliWrap;
using Command = CliWrap.Command;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Jobs;

/// <summary>
/// Runs one assigned job to its end: workspace, clean environment, process, output, outcome. It reports only
/// through the message sink, so it works the same with or without a connection.
/// </summary>
internal sealed partial class JobRunner(IOptions<AgentOptions> options, TimeProvider time, ILogger<JobRunner> logger)
{
    public const string Shell = "/bin/sh";

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
            var command = CreateCommand(job, workspace, log);
            var exitCode = await ExecuteAsync(command, stop.Token);
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
        return requested > TimeSpan.Zero ? requested : options.Value.DefaultJobTimeout;
    }

    private static Command CreateCommand(AssignJob job, string workspace, JobLogWriter log)
    {
        var environment = JobEnvironment.Build(job, workspace);
        var (program, arguments) = job.WorkCase switch
        {
            AssignJob.WorkOneofCase.Script => (Shell, new[] { "-e", "-c", job.Script }),
            AssignJob.WorkOneofCase.Command when job.Command.Argv.Count > 0 =>
                (ExecutableLocator.Locate(job.Command.Argv[0], environment["PATH"], workspace), job.Command.Argv.Skip(1).ToArray()),
            _ => throw new JobSetupException("the job has neither a command nor a script"),
        };

        var secrets = job.Secrets.Values.ToArray();
        var stdoutMasker = new SecretMasker(secrets);
        var stderrMasker = new SecretMasker(secrets);

        return CliWrap.Cli.Wrap(program)
            .WithArguments(arguments)
            .WithWorkingDirectory(workspace)
            .WithEnvironmentVariables(JobEnvironment.ReplacingInherited(environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.Create((stream, ct) =>
                OutputPump.PumpAsync(stream, OutputStream.Stdout, stdoutMasker, log, ct)))
            .WithStandardErrorPipe(PipeTarget.Create((stream, ct) =>
                OutputPump.PumpAsync(stream, OutputStream.Stderr, stderrMasker, log, ct)));
    }

    // The forceful token kills the whole process tree, so children the job started do not outlive it.
    private static async Task<int> ExecuteAsync(Command command, CancellationToken stop)
    {
        var result = await command.ExecuteAsync(stop);
        return result.ExitCode;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove workspace {Workspace} of run {RunId}: {Reason}")]
    private partial void LogWorkspaceNotRemoved(string runId, string workspace, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add a line to a run's log: {Reason}")]
    private partial void LogSystemLineDropped(string reason);
}
