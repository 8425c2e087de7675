using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Jobs;

/// <summary>Answers AssignJob and CancelJob: takes or declines work, starts it, and stops it on request.</summary>
internal sealed partial class JobDispatcher(
    JobRegistry registry, JobRunner runner, IAgentMessageSink sink, ILogger<JobDispatcher> logger)
{
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
                sink.Send(new AgentMessage { JobAccepted = new JobAccepted { RunId = job.RunId } });
                _ = Task.Run(() => RunAsync(job, running!));
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

    public void Cancel(CancelJob cancel)
    {
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
            if (registry.TryGet(runId, out var job))
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
        foreach (var job in registry.Running())
        {
            LogCancelling(job.RunId, reason);
            job.Cancellation.Cancel(reason, stopGrace);
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping run {RunId}: {Reason}")]
    private partial void LogCancelling(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cancel for run {RunId} which is not running here")]
    private partial void LogCancelUnknown(string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed inside the agent")]
    private partial void LogRunCrashed(Exception exception, string runId);
}
