using Prometheus;

namespace Argy.ControlPlane.Observability;

/// <summary>The control plane's Prometheus metrics, served at /metrics.</summary>
public static class ArgyMetrics
{
    public static readonly Gauge Agents = Metrics.CreateGauge(
        "argy_agents", "Agents by status (Connected, Disconnected, Error, Pending, Revoked).", "status");

    public static readonly Gauge QueueDepth = Metrics.CreateGauge(
        "argy_queue_depth", "Deployments waiting for an agent, per tenant.", "tenant");

    public static readonly Histogram DispatchLatency = Metrics.CreateHistogram(
        "argy_dispatch_latency_seconds", "Time from submission (or requeue) to the assignment being sent to an agent.",
        new HistogramConfiguration { Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30, 300] });

    public static readonly Counter JobsFinished = Metrics.CreateCounter(
        "argy_jobs_finished_total", "Runs that ended, by final status.", "status");

    public static readonly Counter LogBytes = Metrics.CreateCounter(
        "argy_log_bytes_total", "Bytes of job output stored.");

    public static readonly Counter StreamsOpened = Metrics.CreateCounter(
        "argy_agent_streams_opened_total", "Agent streams that completed Hello/Welcome.");

    public static readonly Counter StreamErrors = Metrics.CreateCounter(
        "argy_agent_stream_errors_total", "Agent streams that ended abnormally, by reason.", "reason");
}
