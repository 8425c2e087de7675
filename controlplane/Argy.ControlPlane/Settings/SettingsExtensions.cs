namespace Argy.ControlPlane.Settings;

public static class SettingsExtensions
{
    public static IServiceCollection AddArgySettings(this IServiceCollection services)
    {
        services.AddSingleton<TenantSettingsStore>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<Quotas>();
        services.AddSingleton<SecurityAudit>();
        services.AddSingleton<SignInPolicy>();
        return services;
    }

    /// <summary>The tenant's IP allow-list and the x-org-id check, for every authenticated request.</summary>
    public static IApplicationBuilder UseArgyRequestPolicies(this IApplicationBuilder app) => app.UseMiddleware<RequestPolicyMiddleware>();
}
