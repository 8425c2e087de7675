using Argy.ControlPlane.Dispatch;
using Argy.ControlPlane.Gateway;

namespace Argy.ControlPlane.Deployments;

public static class DeploymentsExtensions
{
    public static IServiceCollection AddArgyDeployments(this IServiceCollection services)
    {
        services.AddSingleton<DeploymentStore>();
        services.AddSingleton<LogStore>();
        services.AddSingleton<LogIngest>();
        services.AddHostedService(services => services.GetRequiredService<LogIngest>());
        services.AddSingleton<RunSignals>();
        services.AddSingleton<AssignmentFactory>();
        services.AddSingleton<DeploymentService>();
        services.AddSingleton<LogStreamer>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<AgentMessageHandler>();
        services.AddHostedService<RunLeaseMonitor>();
        return services;
    }
}
