namespace Argy.ControlPlane.Security;

public static class AuditExtensions
{
    public static IServiceCollection AddArgyAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<Audit.AuditedWrites>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditStore>();
        services.AddHostedService<AuditWriter>();
        return services;
    }
}
