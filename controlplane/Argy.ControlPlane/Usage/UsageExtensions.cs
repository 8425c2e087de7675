namespace Argy.ControlPlane.Usage;

public static class UsageExtensions
{
    public static IServiceCollection AddArgyUsage(this IServiceCollection services)
    {
        services.AddSingleton<UsageReports>();
        return services;
    }
}
