using Argy.Agent.Outbound;
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
        services.AddSingleton(services => new UnacknowledgedMessages(services.GetRequiredService<OutboundQueue>().ReleaseLogBudget));
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
