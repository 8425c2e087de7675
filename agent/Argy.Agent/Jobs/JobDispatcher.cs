using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Jobs;

/// <summary>
/// Answers AssignJob, StartJob and CancelJob: takes or declines work, starts it once the control plane has
/// recorded the acceptance, and stops it on request. A job accepted but not yet started holds its slot and
/// waits for StartJob; if the control plane abandons it instead, it never runs.
/// </summary>
internal sealed partial class JobDispatcher(
    JobRegistry registry, JobRunner runner, IAgentMessageSink sink, ILogger<JobDispatcher> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (AssignJob Job, RunningJob Running)> _accepted = new(StringComparer.Ordinal);

    /// <summary>Never waits for the job: the read loop calls this.</summary>
    public void Assign(AssignJob job)
    {
        if (!RunId.IsValid(job.RunId))
        {
            Reject(job.RunId, "invalid run id");
            return;
        }

        switch (registry.TryReserve(job.RunId, out var running))
        {
            case ReserveResult.Reserved:
                lock (_lock)
                {
                    _accepted[job.RunId] = (job, running!);
                }

                sink.Send(new AgentMessage { JobAccepted = new JobAccepted { RunId = job.RunId } });
                break;
            case ReserveResult.AlreadyKnown:
                // A repeat after a reconnect: the run is already here, so it must not start twice.
                LogAlreadyRunning(job.RunId);
                sink.Send(new AgentMessage { JobAccepted = new JobAccepted { RunId = job.RunId } });
                break;
            case ReserveResult.Draining:
                Reject(job.RunId, "draining");
                break;
            case ReserveResult.NoFreeSlot:
                Reject(job.RunId, "no free slot");
                break;
        }
    }

    /// <summary>The control plane recorded the acceptance: run it. A repeat for a started run is ignored.</summary>
    public void Start(StartJob start)
    {
        (AssignJob Job, RunningJob Running) accepted;
        lock (_lock)
        {
            if (!_accepted.Remove(start.RunId, out accepted))
            {
                return;
            }
        }

        _ = Task.Run(() => RunAsync(accepted.Job, accepted.Running));
    }

    public void Cancel(CancelJob cancel)
    {
        if (DropAccepted(cancel.RunId, report: true))
        {
            LogDroppedBeforeStart(cancel.RunId, cancel.Reason);
            return;
        }

        if (registry.TryGet(cancel.RunId, out var job))
        {
            LogCancelling(cancel.RunId, cancel.Reason);
            job!.Cancellation.Cancel(string.IsNullOrWhiteSpace(cancel.Reason) ? "cancelled by the control plane" : cancel.Reason);
        }
        else
        {
            LogCancelUnknown(cancel.RunId);
        }
    }

    /// <summary>Runs the control plane no longer expects (Welcome.abandoned_run_ids).</summary>
    public void Abandon(IEnumerable<string> runIds)
    {
        foreach (var runId in runIds)
        {
            if (DropAccepted(runId, report: false))
            {
                LogDroppedBeforeStart(runId, "abandoned by the control plane");
            }
            else if (registry.TryGet(runId, out var job))
            {
                LogCancelling(runId, "abandoned by the control plane");
                job!.Cancellation.Cancel("abandoned by the control plane");
            }

            registry.MarkReported(runId);
        }
    }

    /// <param name="reason">Shown in each run's log and result.</param>
    /// <param name="stopGrace">Overrides Agent:JobStopGracePeriod for these jobs.</param>
    public void CancelAll(string reason, TimeSpan? stopGrace = null)
    {
        List<string> accepted;
        lock (_lock)
        {
            accepted = [.. _accepted.Keys];
        }

        foreach (var runId in accepted)
        {
            DropAccepted(runId, report: true);
        }

        foreach (var job in registry.Running())
        {
            LogCancelling(job.RunId, reason);
            job.Cancellation.Cancel(reason, stopGrace);
        }
    }

    /// <summary>
    /// Forgets a run that was accepted but never started, freeing its slot. When <paramref name="report"/> is
    /// set the control plane is told it ended Cancelled without running.
    /// </summary>
    private bool DropAccepted(string runId, bool report)
    {
        (AssignJob Job, RunningJob Running) accepted;
        lock (_lock)
        {
            if (!_accepted.Remove(runId, out accepted))
            {
                return false;
            }
        }

        if (report)
        {
            registry.ReleaseSlot(accepted.Running);
            sink.Send(new AgentMessage
            {
                JobFinished = new JobFinished
                {
                    RunId = runId, ExitCode = -1, Outcome = JobOutcome.Cancelled, Message = "cancelled before it started",
                    Duration = new Google.Protobuf.WellKnownTypes.Duration(),
                },
            });
            registry.Release(accepted.Running);
        }
        else
        {
            registry.Release(accepted.Running);
            registry.MarkReported(runId);
        }

        return true;
    }

    private void Reject(string runId, string reason)
    {
        LogRejected(runId, reason);
        sink.Send(new AgentMessage { JobRejected = new JobRejected { RunId = runId, Reason = reason } });
    }

    private async Task RunAsync(AssignJob job, RunningJob running)
    {
        try
        {
            await runner.RunAsync(job, sink, running.Cancellation, beforeReport: () => registry.ReleaseSlot(running));
        }
        catch (Exception ex)
        {
            LogRunCrashed(ex, job.RunId);
        }
        finally
        {
            registry.Release(running);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Declined run {RunId}: {Reason}")]
    private partial void LogRejected(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was assigned again and is already on this agent")]
    private partial void LogAlreadyRunning(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped run {RunId} before it started: {Reason}")]
    private partial void LogDroppedBeforeStart(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping run {RunId}: {Reason}")]
    private partial void LogCancelling(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cancel for run {RunId} which is not running here")]
    private partial void LogCancelUnknown(string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed inside the agent")]
    private partial void LogRunCrashed(Exception exception, string runId);
}
