using Argy.Agent.Configuration;
using Argy.Agent.Outbound;
using Argy.Protocol.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Jobs;

/// <summary>Shutdown of the job side: take no new work, give running jobs time to finish, then stop them.</summary>
internal sealed partial class JobDrainer(
    JobRegistry registry,
    JobDispatcher dispatcher,
    IAgentMessageSink sink,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<JobDrainer> logger)
{
    /// <summary>How long cancelled jobs get to report after their process tree was killed.</summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Between SIGTERM and SIGKILL for jobs stopped because the agent stops: they already had ShutdownTimeout,
    /// and the agent must be done within its service manager's stop timeout.
    /// </summary>
    public static readonly TimeSpan ShutdownStopGrace = TimeSpan.FromSeconds(2);

    public async Task DrainAsync(string reason, CancellationToken cancellationToken)
    {
        registry.BeginDraining();
        sink.Send(new AgentMessage { Draining = new Draining { Reason = reason } });

        var running = registry.RunningCount;
        if (running > 0)
        {
            LogWaiting(running, options.Value.ShutdownTimeout);
            if (await EndedWithinAsync(options.Value.ShutdownTimeout, cancellationToken))
            {
                return;
            }
        }

        await StopAllAsync("the agent is shutting down", cancellationToken);
    }

    public async Task StopAllAsync(string reason, CancellationToken cancellationToken)
    {
        if (registry.RunningCount == 0)
        {
            return;
        }

        var grace = options.Value.JobStopGracePeriod < ShutdownStopGrace ? options.Value.JobStopGracePeriod : ShutdownStopGrace;
        dispatcher.CancelAll(reason, grace);
        if (!await EndedWithinAsync(CancelGrace, cancellationToken))
        {
            LogStillRunning(registry.RunningCount);
        }
    }

    private async Task<bool> EndedWithinAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await registry.WhenAllEndedAsync(cancellationToken).WaitAsync(limit, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: waiting up to {Timeout} for {Count} running job(s)")]
    private partial void LogWaiting(int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} job(s) still running after being cancelled")]
    private partial void LogStillRunning(int count);
}
