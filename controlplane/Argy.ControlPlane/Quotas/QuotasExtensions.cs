namespace Argy.ControlPlane.Quotas;

public static class QuotasExtensions
{
    public static IServiceCollection AddArgyQuotas(this IServiceCollection services)
    {
        services.AddSingleton<DeploymentQuotaStore>();
        services.AddSingleton<DeploymentQuotaService>();
        return services;
    }
}
