namespace Argy.ControlPlane.Settings;

public static class SettingsExtensions
{
    public static IServiceCollection AddArgySettings(this IServiceCollection services)
    {
        services.AddSingleton<TenantSettingsStore>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<ResourceQuotas>();
        services.AddSingleton<SignInPolicy>();
        services.AddSingleton<SettingsService>();
        services.AddSingleton<SsoProviderStore>();
        services.AddSingleton<SsoService>();
        services.AddSingleton<Scim.ScimTokenStore>();
        return services;
    }

    /// <summary>The tenant's IP allow-list and the x-org-id check, for every authenticated request.</summary>
    public static IApplicationBuilder UseArgyRequestPolicies(this IApplicationBuilder app) => app.UseMiddleware<RequestPolicyMiddleware>();
}
