using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Dispatch;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// One loop for the liveness and presence of every connected agent, instead of a timer per session and a write
/// per heartbeat. Each tick it ends the sessions that sent nothing for <c>HeartbeatInterval × MissedHeartbeats</c>
/// (so a silent agent is Disconnected at most one tick after that limit); every
/// <see cref="PresenceWriteInterval"/>, and when the control plane stops, it stores the last-seen time of every
/// agent heard from since the previous write, in one transaction.
/// </summary>
public sealed partial class SessionMonitor(
    GatewayConnections connections,
    AgentStore agents,
    IOptions<AgentsOptions> options,
    TimeProvider time,
    ILogger<SessionMonitor> logger) : BackgroundService
{
    /// <summary>How stale an agent's stored last-seen time may get while it is connected (the live one is in memory).</summary>
    public static readonly TimeSpan PresenceWriteInterval = TimeSpan.FromSeconds(30);

    /// <summary>A tenth of the heartbeat interval, between 100 ms and 1 s: how late past its limit silence is noticed.</summary>
    public static TimeSpan SweepPeriod(TimeSpan heartbeatInterval) =>
        TimeSpan.FromMilliseconds(Math.Clamp(heartbeatInterval.TotalMilliseconds / 10, 100, 1000));

    private TimeSpan IdleLimit => options.Value.HeartbeatInterval * options.Value.MissedHeartbeats;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = SweepPeriod(options.Value.HeartbeatInterval);
        var nextWrite = time.GetUtcNow() + PresenceWriteInterval;
        try
        {
            // A delay per round rather than a PeriodicTimer: a clock moved far ahead at once (tests) wakes it once,
            // not once for every period skipped.
            while (true)
            {
                await Task.Delay(period, time, stoppingToken);
                var now = time.GetUtcNow();
                try
                {
                    ExpireSilent(now - IdleLimit);
                    if (now >= nextWrite)
                    {
                        nextWrite = now + PresenceWriteInterval;
                        WritePresence();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                WritePresence();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>Ends the sessions of agents not heard from since <paramref name="cutoff"/>; their streams record why.</summary>
    internal int ExpireSilent(DateTimeOffset cutoff)
    {
        var expired = 0;
        foreach (var session in connections.Sessions)
        {
            if (session.ExpireIfSilentSince(cutoff))
            {
                expired++;
            }
        }

        return expired;
    }

    /// <summary>Stores the last-seen time of every connected agent heard from since the previous write.</summary>
    internal int WritePresence()
    {
        List<AgentActivity>? batch = null;
        foreach (var session in connections.Sessions)
        {
            if (session.TryTakeUnpersistedActivity(out var at))
            {
                (batch ??= new List<AgentActivity>(connections.Count)).Add(new AgentActivity(session.Scope, session.AgentId, at));
            }
        }

        if (batch is null)
        {
            return 0;
        }

        // Bounded transactions, so other writers (dispatch, results) wait at most one chunk for the write lock.
        const int Chunk = 1000;
        for (var start = 0; start < batch.Count; start += Chunk)
        {
            agents.RecordActivity(batch.GetRange(start, Math.Min(Chunk, batch.Count - start)));
        }

        return batch.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent session sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
