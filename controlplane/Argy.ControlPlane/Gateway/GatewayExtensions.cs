using Argy.ControlPlane.Agents;
using Argy.Protocol.Signing;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Gateway;

public static class GatewayExtensions
{
    public static IServiceCollection AddArgyGateway(this IServiceCollection services)
    {
        services.AddGrpc(options =>
        {
            // Log chunks are at most 1 MiB by default; leave room for framing.
            options.MaxReceiveMessageSize = 4 * 1024 * 1024;
            options.EnableDetailedErrors = false;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<AgentGatewayService>, AgentGatewayMethodProvider>());

        // One nonce memory for every signed request (stream openings, agents' REST calls): 600 s, twice the
        // largest skew, whatever skew is configured.
        services.AddSingleton(sp => new NonceCache(sp.GetRequiredService<TimeProvider>(), SigningScheme.NonceMemory));
        services.AddSingleton(sp => new SignatureVerifier(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<NonceCache>(),
            sp.GetRequiredService<IOptions<AgentAuthOptions>>().Value.ClockSkew));
        services.AddSingleton<AgentAuthenticator>();
        services.AddSingleton<GatewayConnections>();
        services.AddHostedService<SessionMonitor>();
        services.AddAgentCredentialScheme();
        return services;
    }
}
