using System.Net;
using Argy.Agent.Configuration;
using Argy.Agent.Connection;
using Argy.Agent.Jobs;
using Argy.Agent.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Argy.Agent.Observability;

/// <summary>Serves /metrics on the configured local address; off unless Agent:MetricsAddress is set.</summary>
internal sealed partial class MetricsEndpoint(
    IOptions<AgentOptions> options, JobRegistry registry, UnacknowledgedMessages unacknowledged, AgentSession session, ILogger<MetricsEndpoint> logger)
    : IHostedService, IDisposable
{
    private MetricServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var address = options.Value.MetricsAddress;
        if (string.IsNullOrWhiteSpace(address))
        {
            return Task.CompletedTask;
        }

        var endpoint = IPEndPoint.Parse(address);
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressDebugMetrics = true });
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            AgentMetrics.RunningJobs.Set(registry.RunningCount);
            AgentMetrics.Connected.Set(session.IsEstablished ? 1 : 0);
            AgentMetrics.Unacknowledged.Set(unacknowledged.Count);
        });
        _server = new MetricServer(endpoint.Address.ToString(), endpoint.Port, "metrics/");
        _server.Start();
        LogServing(logger, address);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }

    public void Dispose() => _server?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving metrics at http://{Address}/metrics")]
    private static partial void LogServing(ILogger logger, string address);
}

internal static class ObservabilityServiceCollectionExtensions
{
    public static IServiceCollection AddAgentMetrics(this IServiceCollection services) => services.AddHostedService<MetricsEndpoint>();
}
