namespace Argy.ControlPlane.Agents;

public static class AgentsExtensions
{
    public static IServiceCollection AddArgyAgents(this IServiceCollection services)
    {
        services.AddOptions<AgentsOptions>().BindConfiguration(AgentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AgentAuthOptions>().BindConfiguration(AgentAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AgentStore>();
        services.AddSingleton<AgentCredentialStore>();
        services.AddSingleton<AgentCredentials>();
        services.AddSingleton<AgentService>();
        return services;
    }
}
