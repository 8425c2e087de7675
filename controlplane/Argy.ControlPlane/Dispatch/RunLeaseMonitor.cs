using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Dispatch;

/// <summary>
/// Ends runs whose agent went away and did not come back within the lease, so no run waits forever: a run the
/// agent had accepted ends Failed (AgentLost); one it never accepted goes back to the queue. An agent that
/// reconnects in time keeps its runs (it lists them in Hello).
/// </summary>
public sealed partial class RunLeaseMonitor(
    DeploymentStore deployments,
    Dispatcher dispatcher,
    RunSignals signals,
    IOptions<AgentsOptions> options,
    TimeProvider time,
    ILogger<RunLeaseMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After a restart every agent looks silent since its last recorded activity; count their absence
        // from this start at the earliest, so agents get the whole lease to reconnect.
        var startedMs = UnixMs.From(time.GetUtcNow());
        var lease = options.Value.RunLease;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(lease.TotalMilliseconds / 4, 250, 10_000));
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = UnixMs.From(time.GetUtcNow());
                if (now - startedMs >= lease.TotalMilliseconds)
                {
                    Expire(now - (long)lease.TotalMilliseconds, lease);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, e);
            }
        }
    }

    private void Expire(long cutoffMs, TimeSpan lease)
    {
        var requeued = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in deployments.HeldBySilentAgents(cutoffMs))
        {
            if (dispatcher.SessionOf(run.AgentId) is not null)
            {
                continue;
            }

            var scope = TenantScope.Of(run.TenantId);
            if (run.Status == DeploymentStatus.Assigned)
            {
                if (deployments.Requeue(scope, run.RunId, run.AgentId))
                {
                    requeued.Add(run.TenantId);
                }
            }
            else if (deployments.FinishOnAgent(scope, run.RunId, run.AgentId, DeploymentStatus.Failed, null,
                         $"AgentLost: agent {run.AgentId} disconnected and did not come back within the run lease ({lease}).", 0,
                         Audit.AuditActor.System, Audit.AuditActions.DeploymentAgentLost))
            {
                LogLost(logger, run.RunId, run.AgentId, lease);
                Observability.ArgyMetrics.JobsFinished.WithLabels(DeploymentStatus.Failed).Inc();
                signals.Changed(run.RunId);
            }
        }

        foreach (var tenant in requeued)
        {
            dispatcher.Dispatch(TenantScope.Of(tenant));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed: agent {AgentId} stayed away longer than the lease {Lease}")]
    private static partial void LogLost(ILogger logger, string runId, string agentId, TimeSpan lease);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run lease check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
