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
        return services;
    }
}
