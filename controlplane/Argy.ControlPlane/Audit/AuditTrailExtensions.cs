using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Audit;

public static class AuditTrailExtensions
{
    /// <summary>Settings, content encryption and the retention purge of the audit trail.</summary>
    public static IServiceCollection AddArgyAuditTrail(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton<AuditContentCipher>();
        services.AddSingleton<AuditPurge>();
        services.AddHostedService<AuditRetentionService>();
        return services;
    }
}
