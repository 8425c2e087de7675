using Prometheus;

namespace Argy.Agent.Observability;

/// <summary>What the agent reports about itself at /metrics (when Agent:MetricsAddress is set).</summary>
internal static class AgentMetrics
{
    public static readonly Gauge RunningJobs = Metrics.CreateGauge("argy_agent_running_jobs", "Jobs running (or accepted and waiting to start) on this agent.");

    public static readonly Gauge Connected = Metrics.CreateGauge("argy_agent_connected", "1 while a session with the control plane is open.");

    public static readonly Counter Reconnects = Metrics.CreateCounter("argy_agent_reconnects_total", "Sessions that ended and were reopened.");

    public static readonly Gauge Unacknowledged = Metrics.CreateGauge(
        "argy_agent_unacknowledged_messages", "Log chunks and results sent but not yet acknowledged (also in the spool).");

    public static readonly Gauge LastHeartbeat = Metrics.CreateGauge(
        "argy_agent_last_heartbeat_timestamp_seconds", "When the last heartbeat was queued, in Unix seconds.");
}
