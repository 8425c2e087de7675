using Grpc.AspNetCore.Server.Model;

namespace Argy.ControlPlane.Gateway;

/// <summary>Binds <see cref="AgentGatewayService.Connect"/> to <see cref="AgentGatewayMethods.Connect"/>.</summary>
internal sealed class AgentGatewayMethodProvider : IServiceMethodProvider<AgentGatewayService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<AgentGatewayService> context) =>
        context.AddDuplexStreamingMethod(
            AgentGatewayMethods.Connect,
            [],
            (service, requests, responses, call) => service.Connect(requests, responses, call));
}
