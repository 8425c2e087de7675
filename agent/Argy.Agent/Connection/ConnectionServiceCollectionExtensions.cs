using Argy.Agent.Configuration;
using Argy.Agent.Jobs;
using Argy.Agent.Outbound;
using Microsoft.Extensions.Options;
using Argy.Agent.State;
using Argy.Protocol.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Argy.Agent.Connection;

internal static class ConnectionServiceCollectionExtensions
{
    public static IServiceCollection AddConnection(this IServiceCollection services)
    {
        services.AddSingleton<OutboundQueue>();
        services.AddSingleton(CreateUnacknowledged);
        services.AddSingleton<IAgentMessageSink>(sp => sp.GetRequiredService<OutboundQueue>());
        services.AddSingleton(sp => CreateChannel(sp.GetRequiredService<AgentState>().GrpcUrl, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new AgentGateway.AgentGatewayClient(sp.GetRequiredService<GrpcChannel>()));
        services.AddSingleton<AgentCredentialSource>();
        services.AddSingleton<HelloFactory>();
        services.AddSingleton<AgentSession>();
        services.AddSingleton(_ => new ReconnectBackoff());
        services.AddHostedService<ConnectionService>();
        return services;
    }

    /// <summary>The unacknowledged messages, with what a previous run of the agent left in the spool taken back.</summary>
    private static UnacknowledgedMessages CreateUnacknowledged(IServiceProvider services)
    {
        var queue = services.GetRequiredService<OutboundQueue>();
        var stateDirectory = services.GetRequiredService<IOptions<AgentOptions>>().Value.StateDirectory;
        var unacknowledged = new UnacknowledgedMessages(queue.ReleaseLogBudget, new DiskSpool(Path.Combine(stateDirectory, "spool")));
        var (runs, chunks) = unacknowledged.LoadSpooled();
        queue.TakeLogBudget(chunks);
        services.GetRequiredService<JobRegistry>().AddUnreported(runs);
        return unacknowledged;
    }

    public static GrpcChannel CreateChannel(Uri address, ILoggerFactory loggerFactory) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                // Pings keep NATs and proxies from dropping an idle stream and reveal a dead peer within ~40 s.
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            },
            LoggerFactory = loggerFactory,
            DisposeHttpClient = true,
        });
}
